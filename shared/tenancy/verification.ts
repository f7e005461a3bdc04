import { TenantVerified } from '../../events/tenancy.ts';
import { sendEnvelope } from '../platform/aws/ses.ts';
import { readEnv } from '../platform/config.ts';
import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, RateLimitedError } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { publicUrl } from '../platform/links.ts';
import type { Visit } from '../platform/pages/reply.ts';
import type { HtmlPage } from '../platform/pages/shell.tsx';
import { Email } from '../platform/schema.ts';
import { recordAudit } from './audit.ts';
import { tenancyKeys } from './keys.ts';
import { openTenantLink, signTenantLink } from './link-keys.ts';
import { getMember, getTenant } from './records.ts';
import type { Member, Tenant } from './schema.ts';

/**
 * Sign-up verification: the first admin proves their address by following a signed, expiring
 * link mailed to it. Until then the tenant sends no email (the mail gate asks `isVerified`) and
 * adds no members; everything else works, so a new customer can explore with their own data.
 *
 * The link opens a page with a button; only the button's POST verifies, so a mail scanner that
 * fetches every link in a message cannot verify a tenant on its own.
 */
export const LINK_VALID_HOURS = 72;
/** Links one tenant may have mailed per UTC day (sign-up's included). */
export const LINKS_PER_DAY = 5;

const env = readEnv({ SERVICE_SENDER_EMAIL: Email });

export function pendingVerification(admin: Pick<Member, 'email'>) {
  return { status: 'pending' as const, email: admin.email };
}

export function isVerified(tenant: Pick<Tenant, 'emailVerification'>): boolean {
  return tenant.emailVerification.status === 'verified';
}

export function assertVerified(tenant: Pick<Tenant, 'emailVerification'>, what: string): void {
  if (!isVerified(tenant))
    throw new ConflictError(
      `The tenant cannot ${what} until its admin verifies ${tenant.emailVerification.email}: follow the link mailed at sign-up, or ask for a new one with POST /v1/tenant/verification.`,
      { reason: 'tenant_unverified' },
    );
}

/**
 * Mails the admin a verification link, at most LINKS_PER_DAY a day (a counter in the tenant's
 * partition, moved with a conditional write), so the link cannot be used to flood an address.
 */
export async function mailVerificationLink(
  ctx: TenantContext,
  tenant: Tenant,
  admin: Pick<Member, 'id' | 'name' | 'email'>,
): Promise<{ sentTo: string; expiresAt: string }> {
  const now = ctx.clock.now();
  const day = now.toISOString().slice(0, 10);
  await unitOfWork(ctx)
    .update(
      { PK: tenancyKeys.tenant(ctx.tenantId).PK, SK: `VERIFICATION-LINKS#${day}` },
      {
        add: { count: 1 },
        set: { entity: 'VerificationLinkCount', expiresAt: Math.floor(now.getTime() / 1000) + 2 * 86_400 },
        condition: (e) =>
          `attribute_not_exists(${e.name('count')}) OR ${e.name('count')} < ${e.value(LINKS_PER_DAY)}`,
        onConditionFailed: () =>
          new RateLimitedError(`At most ${LINKS_PER_DAY} verification links a day; use one already sent.`),
      },
    )
    .commit();
  const expiresAt = new Date(now.getTime() + LINK_VALID_HOURS * 3_600_000);
  const token = await signTenantLink(
    tenant,
    'tenant-verification',
    { s: admin.id, x: { e: admin.email } },
    expiresAt,
  );
  const url = publicUrl(`/v1/tenant-verification/${token}`);
  const { verificationEmail } = await import('./verification-page.tsx');
  const mail = verificationEmail(await translator(tenant.locale), {
    admin: admin.name,
    email: admin.email,
    company: tenant.name,
    url,
    hours: LINK_VALID_HOURS,
  });
  await sendEnvelope({
    from: { name: 'Funnel CRM', email: env.SERVICE_SENDER_EMAIL },
    to: [admin.email],
    ...mail,
    tags: { tenantId: ctx.tenantId, category: 'transactional', kind: 'tenant-verification' },
  });
  return { sentTo: admin.email, expiresAt: expiresAt.toISOString() };
}

export type VerificationPage = HtmlPage & {
  /** Set once the POST verified the tenant (the caller starts what verification unlocks). */
  verified?: { ctx: TenantContext; tenant: Tenant };
};

type ContextFor = (tenantId: TenantId) => TenantContext;

/**
 * The pages and the email (preact, the page shell) are loaded by the paths that render them:
 * every function that reads tenants reaches this file, and most never render a page.
 */
async function open(token: string, contextFor: ContextFor, visit: Visit) {
  const { verificationNotice } = await import('./verification-page.tsx');
  const opened = await openTenantLink(
    'tenant-verification',
    token,
    (t) => contextFor(t as TenantId),
    visit.now,
  );
  // The tenant's language once the link names one; the browser's for a link that leads nowhere.
  const i18n = await translator(opened.tenant?.locale, visit.browserLocale);
  if (!opened.ok)
    return opened.reason === 'expired'
      ? verificationNotice(
          410,
          i18n,
          i18n.t('verification.expired.title'),
          i18n.t('verification.expired.body'),
        )
      : (await import('./page.tsx')).linkProblemPage(opened.reason, opened.tenant, i18n, {
          title: '',
          message: '',
        });
  try {
    const admin = await getMember(opened.ctx, opened.claims.s);
    if (admin.email !== opened.claims.x?.e || admin.status !== 'active' || admin.role !== 'admin')
      return verificationNotice(
        404,
        i18n,
        i18n.t('verification.changed.title'),
        i18n.t('verification.changed.body'),
      );
    return { ctx: opened.ctx, admin, tenant: opened.tenant, i18n };
  } catch (error) {
    if (error instanceof NotFoundError)
      return verificationNotice(
        404,
        i18n,
        i18n.t('verification.changed.title'),
        i18n.t('verification.changed.body'),
      );
    throw error;
  }
}

export async function verificationForm(
  token: string,
  contextFor: ContextFor,
  visit: Visit,
): Promise<VerificationPage> {
  const opened = await open(token, contextFor, visit);
  if ('html' in opened) return opened;
  const { verificationFormPage } = await import('./verification-page.tsx');
  return verificationFormPage(opened.i18n, opened.admin.email, opened.tenant.name);
}

export async function confirmVerification(
  token: string,
  contextFor: ContextFor,
  visit: Visit,
): Promise<VerificationPage> {
  const opened = await open(token, contextFor, visit);
  if ('html' in opened) return opened;
  const tenant = await verifyTenant(opened.ctx, opened.admin);
  const { i18n } = opened;
  const { verificationNotice } = await import('./verification-page.tsx');
  return {
    ...verificationNotice(
      200,
      i18n,
      i18n.t('verification.done.title'),
      i18n.t('verification.done.body', { email: opened.admin.email, company: tenant.name }),
    ),
    verified: { ctx: opened.ctx, tenant },
  };
}

/** Pending → verified, once; a second confirmation finds it verified and changes nothing. */
async function verifyTenant(ctx: TenantContext, admin: Member): Promise<Tenant> {
  const tenant = await getTenant(ctx);
  if (isVerified(tenant)) return tenant;
  const verifiedAt = ctx.clock.now().toISOString();
  const emailVerification = { status: 'verified' as const, email: admin.email, verifiedAt };
  const uow = unitOfWork(ctx).update(tenancyKeys.tenant(ctx.tenantId), {
    set: { emailVerification },
    condition: (e) => `${e.name('emailVerification.status')} = ${e.value('pending')}`,
    onConditionFailed: () => new ConflictError('The tenant was verified meanwhile.'),
  });
  recordAudit(uow, ctx, {
    action: 'tenant.verified',
    target: { type: 'tenant', id: ctx.tenantId },
    changes: { emailVerification: { from: 'pending', to: 'verified' } },
  });
  uow.publish(TenantVerified, { timeZone: tenant.timeZone });
  try {
    await uow.commit();
  } catch (error) {
    if (error instanceof ConflictError) return getTenant(ctx);
    throw error;
  }
  return { ...tenant, emailVerification };
}
