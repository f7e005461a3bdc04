import { type Attachment, type Envelope, sendEnvelope, sendRawEnvelopeOnce } from '../platform/aws/ses.ts';
import type { TenantContext } from '../platform/context.ts';
import { refusalReason, type SendingRefusal, sendingRefusal, sesTenantOf } from './gate.ts';
import { suppressionOf } from './suppression.ts';

export interface Sender {
  name: string;
  email: string;
  replyTo?: string;
}

export interface MailMessage {
  /** Marketing mail respects topics upstream; both kinds respect the suppression list here. */
  category: 'transactional' | 'marketing';
  sender: Sender;
  to: string;
  cc?: string[];
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** What the mail is about, e.g. `{ kind: 'dunning', invoiceId }`; the tenant id is added. */
  tags: Record<string, string>;
  attachments?: Attachment[];
  /**
   * Transactional mail only: send despite a suppression, for the reason given (it is logged and
   * returned so the caller records it). Without it a suppressed address receives nothing.
   */
  overrideSuppression?: string;
}

export type MailOutcome =
  | { status: 'sent'; messageId: string; overriddenSuppression?: string }
  | { status: 'suppressed'; reason: string }
  /** Refused by the sending gate (gate.ts): nothing reached SES; callers record it as a skip. */
  | { status: 'blocked'; refusal: SendingRefusal; reason: string };

/**
 * Sends one message to one recipient (one send per recipient keeps bounce tracking and RFC 8058
 * unsubscribe headers exact). Redelivery protection is the caller's: it must record, under a
 * conditional write keyed by what makes the mail unique, that the mail is being sent.
 */
export async function sendMail(ctx: TenantContext, message: MailMessage): Promise<MailOutcome> {
  const refusal = await sendingRefusal(ctx, message.sender.email, message.category);
  if (refusal) {
    ctx.logger.warn('mail blocked', { refusal, tags: message.tags });
    return { status: 'blocked', refusal, reason: refusalReason(refusal, message.sender.email) };
  }
  const suppression = await suppressionOf(ctx, message.to);
  if (suppression && !(message.category === 'transactional' && message.overrideSuppression)) {
    ctx.logger.info('mail suppressed', { to: message.to, reason: suppression.reason });
    return { status: 'suppressed', reason: suppression.reason };
  }
  const envelope: Envelope = {
    from: { name: message.sender.name, email: message.sender.email },
    replyTo: message.sender.replyTo ? [message.sender.replyTo] : undefined,
    to: [message.to],
    cc: message.cc,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: message.headers,
    tags: { ...message.tags, tenantId: ctx.tenantId, category: message.category },
    sesTenant: sesTenantOf(ctx),
    ...(message.attachments?.length ? { attachments: message.attachments } : {}),
  };
  const messageId = await sendEnvelope(envelope);
  if (suppression) {
    ctx.logger.warn('mail sent despite suppression', { to: message.to, reason: message.overrideSuppression });
    return { status: 'sent', messageId, overriddenSuppression: message.overrideSuppression };
  }
  return { status: 'sent', messageId };
}

/**
 * A transactional message whose MIME the caller built (support replies: their own Message-ID and
 * threading headers, which SES's simple content cannot carry). The same gate and suppression list
 * as sendMail; one SES attempt, as the caller holds the exactly-once claim.
 */
export async function sendRawMail(
  ctx: TenantContext,
  message: { from: string; to: string; raw: Buffer; tags: Record<string, string> },
): Promise<MailOutcome> {
  const refusal = await sendingRefusal(ctx, message.from, 'transactional');
  if (refusal) {
    ctx.logger.warn('mail blocked', { refusal, tags: message.tags });
    return { status: 'blocked', refusal, reason: refusalReason(refusal, message.from) };
  }
  const suppression = await suppressionOf(ctx, message.to);
  if (suppression) {
    ctx.logger.info('mail suppressed', { reason: suppression.reason, tags: message.tags });
    return { status: 'suppressed', reason: suppression.reason };
  }
  const messageId = await sendRawEnvelopeOnce({
    from: message.from,
    to: [message.to],
    raw: message.raw,
    tags: { ...message.tags, tenantId: ctx.tenantId, category: 'transactional' },
    sesTenant: sesTenantOf(ctx),
  });
  return { status: 'sent', messageId };
}
