import { TenantVerified } from '../../events/tenancy.ts';
import { sendEnvelope } from '../platform/aws/ses.ts';
import { readEnv } from '../platform/config.ts';
import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, RateLimitedError } from '../platform/errors.ts';
import { publicUrl } from '../platform/links.ts';
import { escapeHtml } from '../platform/merge-fields.ts';
import { Email } from '../platform/schema.ts';
import { signLink, verifyLink } from '../platform/signed-links.ts';
import { recordAudit } from './audit.ts';
import { tenancyKeys } from './keys.ts';
import { getMember } from './members.ts';
import type { Member, Tenant } from './schema.ts';
import { getTenant } from './tenants.ts';

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
  const token = await signLink(
    'tenant-verification',
    { t: ctx.tenantId, s: admin.id, x: { e: admin.email } },
    expiresAt,
  );
  const url = publicUrl(`/v1/tenant-verification/${token}`);
  await sendEnvelope({
    from: { name: 'Funnel CRM', email: env.SERVICE_SENDER_EMAIL },
    to: [admin.email],
    subject: `Confirm your email address for ${tenant.name}`,
    text: `Hello ${admin.name},\n\nConfirm that ${admin.email} is yours to start sending email from ${tenant.name} on Funnel CRM:\n\n${url}\n\nThe link works for ${LINK_VALID_HOURS} hours. If you did not sign up, ignore this message: nothing is sent in your name until the link is followed.\n`,
    html: `<p>Hello ${escapeHtml(admin.name)},</p><p>Confirm that ${escapeHtml(admin.email)} is yours to start sending email from ${escapeHtml(tenant.name)} on Funnel CRM:</p><p><a href="${escapeHtml(url)}">Confirm my email address</a></p><p>The link works for ${LINK_VALID_HOURS} hours. If you did not sign up, ignore this message: nothing is sent in your name until the link is followed.</p>`,
    tags: { tenantId: ctx.tenantId, category: 'transactional', kind: 'tenant-verification' },
  });
  return { sentTo: admin.email, expiresAt: expiresAt.toISOString() };
}

export interface VerificationPage {
  status: number;
  html: string;
  /** Set once the POST verified the tenant (the caller starts what verification unlocks). */
  verified?: { ctx: TenantContext; tenant: Tenant };
}

type ContextFor = (tenantId: TenantId) => TenantContext;

async function open(token: string, contextFor: ContextFor, now: Date) {
  const check = await verifyLink('tenant-verification', token, now);
  if (!check.ok)
    return check.reason === 'expired'
      ? page(
          410,
          'This link has expired',
          'Sign in with your API key and ask for a new one (POST /v1/tenant/verification).',
        )
      : page(404, 'This link does not work', 'Check that you copied the whole link from your email.');
  try {
    const ctx = contextFor(check.claims.t as TenantId);
    const admin = await getMember(ctx, check.claims.s);
    if (admin.email !== check.claims.x?.e || admin.status !== 'active' || admin.role !== 'admin')
      return page(
        404,
        'This link no longer works',
        'The address it was sent to changed; ask for a new link.',
      );
    return { ctx, admin };
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof TypeError)
      return page(404, 'This link no longer works', 'The account it was sent for no longer exists.');
    throw error;
  }
}

export async function verificationForm(
  token: string,
  contextFor: ContextFor,
  now: Date,
): Promise<VerificationPage> {
  const opened = await open(token, contextFor, now);
  if ('html' in opened) return opened;
  return {
    status: 200,
    html: shell(
      'Confirm your email address',
      `<p>Confirm that ${escapeHtml(opened.admin.email)} is yours.</p><form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit">Confirm my email address</button></form>`,
    ),
  };
}

export async function confirmVerification(
  token: string,
  contextFor: ContextFor,
  now: Date,
): Promise<VerificationPage> {
  const opened = await open(token, contextFor, now);
  if ('html' in opened) return opened;
  const tenant = await verifyTenant(opened.ctx, opened.admin);
  return {
    ...page(
      200,
      'Thank you',
      `${opened.admin.email} is confirmed. ${tenant.name} can now send email and add members.`,
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

function page(status: number, title: string, text: string): { status: number; html: string } {
  return { status, html: shell(title, `<p>${escapeHtml(text)}</p>`) };
}

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
