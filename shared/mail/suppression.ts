import type { TenantContext } from '../platform/context.ts';
import { tenantKey } from '../platform/db/keys.ts';
import { getItem, getItems, type Page, queryPage, unitOfWork } from '../platform/db/repository.ts';

/**
 * The tenant's own suppression list. SES's account-level list is shared by every tenant of the
 * account, so it cannot answer "did this tenant's recipient complain?"; this list can.
 * Hard bounces and complaints suppress at once; soft bounces count (the marketing module decides
 * when enough is enough). Suppression is by address, case-insensitive.
 */
export type SuppressionReason = 'hard_bounce' | 'complaint' | 'soft_bounces' | 'manual' | 'unsubscribed_all';

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  suppressedAt: string;
  detail?: string;
}

const key = (ctx: TenantContext, email: string) => ({
  PK: tenantKey(ctx.tenantId, 'SUPPRESSIONS'),
  SK: `EMAIL#${email.toLowerCase()}`,
});

export async function suppressionOf(ctx: TenantContext, email: string): Promise<Suppression | undefined> {
  const item = await getItem(ctx, key(ctx, email));
  return item ? toSuppression(item) : undefined;
}

/** The suppressed addresses among `emails`, in one batched read per hundred addresses. */
export async function suppressedAmong(
  ctx: TenantContext,
  emails: string[],
): Promise<Map<string, Suppression>> {
  const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
  const items = await getItems(
    ctx,
    unique.map((email) => key(ctx, email)),
  );
  return new Map(items.map((item) => [String(item.email), toSuppression(item)]));
}

export async function suppress(
  ctx: TenantContext,
  email: string,
  reason: SuppressionReason,
  detail?: string,
): Promise<void> {
  await unitOfWork(ctx)
    .put({
      ...key(ctx, email),
      entity: 'Suppression',
      email: email.toLowerCase(),
      reason,
      detail,
      suppressedAt: ctx.clock.now().toISOString(),
    })
    .commit();
}

export async function unsuppress(ctx: TenantContext, email: string): Promise<void> {
  await unitOfWork(ctx).delete(key(ctx, email)).commit();
}

export async function listSuppressions(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<Suppression>> {
  return queryPage(ctx, { partition: tenantKey(ctx.tenantId, 'SUPPRESSIONS') }, page, toSuppression);
}

function toSuppression(item: Record<string, unknown>): Suppression {
  return {
    email: String(item.email),
    reason: item.reason as SuppressionReason,
    suppressedAt: String(item.suppressedAt),
    ...(item.detail ? { detail: String(item.detail) } : {}),
  };
}
