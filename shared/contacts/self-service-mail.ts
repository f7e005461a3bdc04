import type { TenantContext } from '../platform/context.ts';
import { tenantKey } from '../platform/db/keys.ts';
import { ConflictError, UnprocessableError } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { textAsHtml } from '../platform/pages/email.tsx';
import { sendMailOnce } from '../tasks/one-time.ts';
import { getTenant } from '../tenancy/records.ts';
import { getContact } from './records.ts';
import { createSelfServiceLink } from './self-service.ts';
import { SELF_SERVICE_DAYS } from './self-service-link.ts';

/**
 * Emails a contact their self-service link, in their language, through the mail service (and so
 * its sending gate and suppression list). Twice in a quiet window is once: a double click, a
 * retried request without an Idempotency-Key or two members pressing the button each claim the
 * same guard item (contact + window), and only the first one sends.
 */
export const SELF_SERVICE_MAIL_WINDOW_MINUTES = 10;

export type SelfServiceMailResult =
  | { status: 'sent'; to: string; expiresAt: string; messageId: string }
  | { status: 'suppressed' | 'blocked'; to: string; reason: string };

export async function emailSelfServiceLink(
  ctx: TenantContext,
  contactId: string,
): Promise<SelfServiceMailResult> {
  const [tenant, contact] = await Promise.all([getTenant(ctx), getContact(ctx, contactId)]);
  if (!contact.email)
    throw UnprocessableError.field('params.id', 'The contact has no email address to send the link to.');
  const windowMs = SELF_SERVICE_MAIL_WINDOW_MINUTES * 60_000;
  const window = Math.floor(ctx.clock.now().getTime() / windowMs);
  const link = await createSelfServiceLink(ctx, contactId);
  const i18n = await translator(contact.locale, tenant.locale);
  const text = i18n.t('selfService.mail.body', {
    name: contact.firstName,
    company: tenant.name,
    url: link.url,
    days: SELF_SERVICE_DAYS,
  });
  const outcome = await sendMailOnce(
    ctx,
    { PK: tenantKey(ctx.tenantId, 'CONTACT', contactId), SK: `SELFSERVICE-MAIL#${window}` },
    {
      category: 'transactional',
      sender: {
        name: tenant.sender.name,
        email: tenant.sender.email,
        ...(tenant.replyTo ? { replyTo: tenant.replyTo } : {}),
      },
      to: contact.email,
      subject: i18n.t('selfService.mail.subject', { company: tenant.name }),
      text,
      html: textAsHtml(text),
      tags: { kind: 'self-service-link', contactId },
    },
    1,
  );
  if (!outcome)
    throw new ConflictError(
      `The link was emailed to this contact less than ${SELF_SERVICE_MAIL_WINDOW_MINUTES} minutes ago.`,
    );
  if (outcome.status === 'sent')
    return { status: 'sent', to: contact.email, expiresAt: link.expiresAt, messageId: outcome.messageId };
  return { status: outcome.status, to: contact.email, reason: outcome.reason };
}
