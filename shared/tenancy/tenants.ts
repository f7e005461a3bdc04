import { TenantCreated, TenantSettingsChanged } from '../../events/tenancy.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { assertIfMatch, unitOfWork, whileVersion } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { issueApiKey } from './api-keys.ts';
import { changesBetween, recordAudit } from './audit.ts';
import { tenancyKeys } from './keys.ts';
import { addMemberInto } from './members.ts';
import { getMember, getTenant } from './records.ts';
import {
  type ApiKeyCreated,
  type Member,
  type Tenant,
  TenantSettings,
  type TenantSignup,
  type TenantUpdate,
} from './schema.ts';
import { mailVerificationLink, pendingVerification } from './verification.ts';

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
