import {
  listSuppressions,
  type Suppression,
  suppress,
  suppressionOf,
  unsuppress,
} from '../mail/suppression.ts';
import type { TenantContext } from '../platform/context.ts';
import type { Page } from '../platform/db/repository.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { softBounceKeys } from './keys.ts';

/**
 * The tenant's suppression list as members see it. Bounces and complaints fill it by themselves
 * (feedback.ts); marketers may add an address by hand; only admins take one off, since mailing an
 * address that bounced or complained hurts every tenant's deliverability.
 */
export function listTenantSuppressions(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Suppression>> {
  return listSuppressions(ctx, { limit: page.limit, ...(page.cursor ? { cursor: page.cursor } : {}) });
}

export async function addSuppression(
  ctx: TenantContext,
  input: { email: string; detail?: string | undefined },
) {
  await suppress(ctx, input.email, 'manual', input.detail);
  return (await suppressionOf(ctx, input.email))!;
}

/** Lifts a suppression; the address's soft-bounce count starts again from zero. */
export async function removeSuppression(ctx: TenantContext, email: string): Promise<void> {
  if (!(await suppressionOf(ctx, email))) throw new NotFoundError('Suppression', email.toLowerCase());
  await unsuppress(ctx, email);
  await unitOfWork(ctx).delete(softBounceKeys.counter(ctx.tenantId, email)).commit();
}
