import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { webhookKeys } from './keys.ts';
import type { WebhookEndpoint } from './schema.ts';

/**
 * An endpoint as stored, and the writes deliveries make to it: what the delivery worker needs of
 * endpoints, without the validation, SSRF checks and secrets of their management (endpoints.ts).
 */

/** A salt a secret is derived from; the previous one expires when its rotation's overlap ends. */
export interface SecretSalt {
  salt: string;
  createdAt: string;
  expiresAt?: string;
}

export interface StoredEndpoint extends WebhookEndpoint {
  /** Newest first. */
  secrets: SecretSalt[];
}

/** The secrets deliveries are signed with at `now`: the current one and, during an overlap, the previous. */
export function liveSalts(endpoint: StoredEndpoint, now: Date): string[] {
  return endpoint.secrets.filter((s) => !s.expiresAt || new Date(s.expiresAt) > now).map((s) => s.salt);
}

export async function findEndpoint(
  ctx: TenantContext,
  id: string,
  consistent = false,
): Promise<StoredEndpoint | undefined> {
  const item = await getItem(ctx, webhookKeys.endpoint(ctx.tenantId, id), { consistent });
  return item ? withoutKeys<StoredEndpoint>(item) : undefined;
}

/** Another worker got there first: the item is already in the state this one wanted. */
export class AlreadyDone extends ConflictError {}

export function ignoreAlreadyDone(error: unknown): void {
  if (!(error instanceof AlreadyDone)) throw error;
}

/** The endpoint is marked failing on its first failure after a success (the disabling clock starts). */
export async function markFailing(ctx: TenantContext, endpointId: string, since: string): Promise<void> {
  await unitOfWork(ctx)
    .update(webhookKeys.endpoint(ctx.tenantId, endpointId), {
      set: { failingSince: since },
      condition: (e) =>
        `attribute_exists(${e.name('PK')}) AND attribute_not_exists(${e.name('failingSince')})`,
      onConditionFailed: () => new AlreadyDone('The endpoint is already failing.'),
    })
    .commit()
    .catch(ignoreAlreadyDone);
}

export async function markHealthy(ctx: TenantContext, endpointId: string): Promise<void> {
  await unitOfWork(ctx)
    .update(webhookKeys.endpoint(ctx.tenantId, endpointId), {
      remove: ['failingSince'],
      condition: (e) => `attribute_exists(${e.name('failingSince')})`,
      onConditionFailed: () => new AlreadyDone('The endpoint is already healthy.'),
    })
    .commit()
    .catch(ignoreAlreadyDone);
}
