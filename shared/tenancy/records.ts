import { type TenantContext, tenantContext } from '../platform/context.ts';
import { asTenantId } from '../platform/db/keys.ts';
import { getItem, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { DEFAULT_LOCALE } from '../platform/i18n/locales.ts';
import { tenancyKeys } from './keys.ts';
import type { Member, Tenant } from './schema.ts';

/**
 * The tenancy items other modules read: the tenant's (its settings, whether it is frozen, its
 * used-up quotas) and its members'. Apart from the tenancy services (tenants.ts, members.ts), whose
 * sign-up, invitations, settings and verification bring the tenancy schemas and events with them:
 * a function that only reads its tenant or a member does not load and build those at cold start.
 */

/**
 * Tenants that signed up before locales or sign-up verification existed read as the default
 * locale, and as verified: their admins have run them since (docs/security.md).
 */
export const toTenant = (item: Record<string, unknown>): Tenant => {
  const tenant = withoutKeys<Tenant>(item);
  return {
    ...tenant,
    locale: tenant.locale ?? DEFAULT_LOCALE,
    emailVerification: tenant.emailVerification ?? { status: 'verified' as const, email: '' },
  };
};

export async function getTenant(ctx: TenantContext): Promise<Tenant> {
  const item = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId));
  if (!item) throw new NotFoundError('Tenant', ctx.tenantId);
  return toTenant(item);
}

/**
 * What the authorizer's verdict carries about the tenant, from one read of the tenant item:
 * whether its deletion was confirmed (docs/tenant-exit.md; an unknown tenant is not frozen), and
 * until when its plan's API calls are used up (docs/subscriptions.md).
 */
export async function tenantAccess(tenantId: string): Promise<{ frozen: boolean; apiQuotaUntil?: string }> {
  const ctx = tenantContext({
    tenantId: asTenantId(tenantId),
    actor: { type: 'system', process: 'authorizer' },
    fenced: true,
  });
  const item = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId), { consistent: true });
  const until = item?.[QUOTA_ATTRIBUTES.apiCalls];
  return {
    frozen: item?.status === 'frozen',
    ...(typeof until === 'string' && until > ctx.clock.now().toISOString() ? { apiQuotaUntil: until } : {}),
  };
}

/**
 * A quota the tenant used up, held on the tenant item (which the mail gate and the authorizer read
 * anyway) until the quota's period ends: `emails` stops marketing mail, `apiCalls` the metered
 * API calls. Set by metering (shared/subscriptions/quotas.ts); never shown in the tenant's view.
 */
export type QuotaBlock = 'emails' | 'apiCalls';
const QUOTA_ATTRIBUTES: Record<QuotaBlock, string> = { emails: 'emailQuotaUntil', apiCalls: 'apiQuotaUntil' };

export async function blockUntil(ctx: TenantContext, block: QuotaBlock, until: string): Promise<void> {
  await unitOfWork(ctx)
    .update(tenancyKeys.tenant(ctx.tenantId), {
      set: { [QUOTA_ATTRIBUTES[block]]: until },
      condition: (e) => `attribute_exists(${e.name('PK')})`,
    })
    .commit();
}

class BlockChanged extends Error {}

/**
 * Lifts the block set until `until`, and only that one: a block set meanwhile for a later period
 * is not the one the caller measured below its quota.
 */
export async function liftBlock(ctx: TenantContext, block: QuotaBlock, until: string): Promise<void> {
  const attribute = QUOTA_ATTRIBUTES[block];
  await unitOfWork(ctx)
    .update(tenancyKeys.tenant(ctx.tenantId), {
      remove: [attribute],
      condition: (e) => `${e.name(attribute)} = ${e.value(until)}`,
      onConditionFailed: () => new BlockChanged(),
    })
    .commit()
    .catch((error: unknown) => {
      if (!(error instanceof BlockChanged)) throw error;
    });
}

/** Until when the tenant's `block` quota is used up, if it is now. */
export function quotaBlockOf(tenant: Tenant, block: QuotaBlock, now: Date): string | undefined {
  const until = (tenant as Record<string, unknown>)[QUOTA_ATTRIBUTES[block]];
  return typeof until === 'string' && until > now.toISOString() ? until : undefined;
}

export const toMember = (item: Record<string, unknown>) => withoutKeys<Member>(item);

export async function getMember(ctx: TenantContext, id: string): Promise<Member> {
  const item = await getItem(ctx, tenancyKeys.member(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Member', id);
  return toMember(item);
}
