import { TenantCreated, TenantSettingsChanged } from '../../events/tenancy.ts';
import { type TenantContext, tenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { asTenantId } from '../platform/db/keys.ts';
import { assertIfMatch, getItem, unitOfWork, whileVersion, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import { DEFAULT_LOCALE } from '../platform/i18n/locales.ts';
import { issueApiKey } from './api-keys.ts';
import { changesBetween, recordAudit } from './audit.ts';
import { tenancyKeys } from './keys.ts';
import { addMemberInto, getMember } from './members.ts';
import {
  type ApiKeyCreated,
  type Member,
  type Tenant,
  TenantSettings,
  type TenantSignup,
  type TenantUpdate,
} from './schema.ts';
import { mailVerificationLink, pendingVerification } from './verification.ts';

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

export interface SignupResult {
  tenant: Tenant;
  admin: Member;
  apiKey: ApiKeyCreated;
}

/**
 * Creates the tenant, its first admin and that admin's key in one transaction: a sign-up either
 * exists whole or not at all. `ctx` is the new tenant's context (its id was just minted). The
 * admin's verification link is mailed after the commit; if SES fails then, the tenant exists and
 * the admin asks for the link again (POST /v1/tenant/verification).
 */
export async function signUp(ctx: TenantContext, input: TenantSignup): Promise<SignupResult> {
  const now = ctx.clock.now().toISOString();
  const { admin: adminInput, settings, ...fields } = input;
  const tenant: Tenant = {
    id: ctx.tenantId,
    ...fields,
    settings: TenantSettings.parse(settings ?? {}),
    emailVerification: pendingVerification(adminInput),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const uow = unitOfWork(ctx).put(
    { ...tenancyKeys.tenant(ctx.tenantId), entity: 'Tenant', ...tenant },
    { condition: notExists, onConditionFailed: () => new ConflictError('This tenant already exists.') },
  );
  const admin = addMemberInto(uow, ctx, { ...adminInput, role: 'admin' });
  const apiKey = issueApiKey(uow, ctx, 'Initial admin key', admin);
  uow.publish(TenantCreated, { name: tenant.name, timeZone: tenant.timeZone });
  await uow.commit();
  await mailVerificationLink(ctx, tenant, admin).catch((error: unknown) =>
    ctx.logger.error('verification link not mailed', { error: String(error) }),
  );
  return { tenant, admin, apiKey };
}

/** Mails the admin who asks a new verification link (the caller must be an admin). */
export async function resendVerificationLink(ctx: TenantContext, adminId: string) {
  const [tenant, admin] = await Promise.all([getTenant(ctx), getMember(ctx, adminId)]);
  if (tenant.emailVerification.status === 'verified')
    throw new ConflictError(`${tenant.emailVerification.email} is verified already.`);
  return mailVerificationLink(ctx, tenant, admin);
}

/** Checks a new default sender before it is saved (see shared/senders: the tenant sends only as itself). */
export type SenderCheck = (email: string, field: string) => Promise<void>;

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

/** Until when the tenant's `block` quota is used up, if it is now. */
export function quotaBlockOf(tenant: Tenant, block: QuotaBlock, now: Date): string | undefined {
  const until = (tenant as Record<string, unknown>)[QUOTA_ATTRIBUTES[block]];
  return typeof until === 'string' && until > now.toISOString() ? until : undefined;
}

export async function updateTenant(
  ctx: TenantContext,
  input: TenantUpdate,
  checkSender: SenderCheck,
  ifMatch?: number | 'any',
): Promise<Tenant> {
  const current = await getTenant(ctx);
  assertIfMatch(ifMatch, current);
  if (input.sender && input.sender.email !== current.sender.email)
    await checkSender(input.sender.email, 'body.sender.email');
  const { replyTo, settings, ...rest } = input;
  const next: Tenant = {
    ...current,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    settings: { ...current.settings, ...settings },
  };
  if (replyTo === null) delete next.replyTo;
  else if (replyTo !== undefined) next.replyTo = replyTo;
  const { id: _i, createdAt: _c, updatedAt: _u, version: _v, ...editableBefore } = current;
  const { id: _i2, createdAt: _c2, updatedAt: _u2, version: _v2, ...editableAfter } = next;
  const changes = changesBetween(editableBefore, editableAfter);
  if (Object.keys(changes).length === 0) return current;
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  const uow = unitOfWork(ctx).update(tenancyKeys.tenant(ctx.tenantId), {
    set: { ...editableAfter, replyTo: next.replyTo, updatedAt: next.updatedAt },
    ...whileVersion(current.version),
  });
  recordAudit(uow, ctx, { action: 'tenant.updated', target: { type: 'tenant', id: ctx.tenantId }, changes });
  uow.publish(TenantSettingsChanged, { fields: Object.keys(changes), timeZone: next.timeZone });
  await uow.commit();
  return next;
}
