import type { TenantContext } from '../platform/context.ts';
import { ConflictError } from '../platform/errors.ts';
import { assertVerifiedSender, verifiedIdentityFor } from '../senders/identities.ts';
import { sesTenantName } from '../senders/ses.ts';
import { getTenant, quotaBlockOf } from '../tenancy/records.ts';
import { assertVerified, isVerified } from '../tenancy/verification.ts';

/**
 * The one rule every email a tenant sends passes: the tenant's admin verified their address, and
 * the From address is covered by one of the tenant's verified sender identities. `sendMail` and
 * the campaign senders ask `sendingRefusal` before SES sees a message (a background send records
 * the refusal as a skip); API operations that start mail ask `assertMaySendAs` first, so the
 * caller hears 409 (tenant not verified) or 422 naming the sender field.
 */
export type SendingRefusal = 'tenant_frozen' | 'tenant_unverified' | 'sender_unverified' | 'quota_exceeded';

/**
 * Marketing mail also stops while the tenant's plan's emails for the month are used up
 * (docs/subscriptions.md); transactional mail (invoices, reminders, replies) goes on.
 */
export async function sendingRefusal(
  ctx: TenantContext,
  from: string,
  category: 'transactional' | 'marketing',
): Promise<SendingRefusal | undefined> {
  const tenant = await getTenant(ctx);
  if (tenant.status === 'frozen') return 'tenant_frozen';
  if (category === 'marketing' && quotaBlockOf(tenant, 'emails', ctx.clock.now())) return 'quota_exceeded';
  if (!isVerified(tenant)) return 'tenant_unverified';
  if (!(await verifiedIdentityFor(ctx, from))) return 'sender_unverified';
  return undefined;
}

export async function assertMaySendAs(ctx: TenantContext, from: string, field: string): Promise<void> {
  const tenant = await getTenant(ctx);
  if (tenant.status === 'frozen')
    throw new ConflictError('The tenant is frozen for deletion: it sends no email.', {
      reason: 'tenant_frozen',
    });
  assertVerified(tenant, 'send email');
  await assertVerifiedSender(ctx, from, field);
}

export function refusalReason(refusal: SendingRefusal, from: string): string {
  if (refusal === 'tenant_frozen') return "The tenant's deletion was confirmed: it sends no email.";
  if (refusal === 'quota_exceeded')
    return "The tenant has sent the emails its plan allows this month: marketing mail waits for next month's.";
  return refusal === 'tenant_unverified'
    ? "The tenant's admin has not verified their email address yet."
    : `${from} is not one of the tenant's verified sender identities.`;
}

/** The SES tenant a tenant's mail is sent for (its reputation is kept apart from other tenants'). */
export const sesTenantOf = (ctx: TenantContext) => sesTenantName(ctx.tenantId);
