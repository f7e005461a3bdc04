import { sendMail, sendRawMail } from '../mail/service.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, queryAll, unitOfWork } from '../platform/db/repository.ts';
import { absentIfNotFound, ConflictError } from '../platform/errors.ts';
import { escapeHtml } from '../platform/merge-fields.ts';
import { claimMail, mailSentInto, releaseMail } from '../sales/mail-guard.ts';
import { getMember, getTenant } from '../tenancy/records.ts';
import { getCase, getCaseMessage, mailRefItem, outgoingMessageId, replySubject } from './cases.ts';
import { caseKeys } from './keys.ts';
import { composeMail } from './mime-compose.ts';
import type { Case, CaseMessage } from './schema.ts';

/**
 * The mail a case sends (docs/contact-centre.md, Email out): the acknowledgement of a new case and
 * agents' public replies. Each is claimed under a guard item in the case's partition before it is
 * sent, so a redelivered event mails nothing twice (shared/sales/mail-guard.ts). Mail goes From the
 * tenant's verified sender, named "<sender> Support", with Reply-To the case's own address on the
 * inbound domain, so the customer's answer comes back to the case whatever their client keeps of
 * the threading headers.
 */
const guardOf = (ctx: TenantContext, caseId: string, what: string) => ({
  PK: caseKeys.partition(ctx.tenantId, caseId),
  SK: `MAIL#${what}`,
});

/** The acknowledgement's Message-ID is fixed by the case, so a second attempt reuses it. */
export const acknowledgementMessageId = (caseId: string) => outgoingMessageId(`ack.${caseId}`);

export async function acknowledgeCase(ctx: TenantContext, caseId: string): Promise<string> {
  const c = await getCase(ctx, caseId, true);
  if (!c.requester.email) return 'no_address';
  const first = await firstCustomerMessage(ctx, c);
  const key = guardOf(ctx, caseId, 'ack');
  const claim = await claimMail(ctx, key, `acknowledgement of case ${caseId}`);
  if (claim.status === 'done') return 'done';
  const tenant = await getTenant(ctx);
  const messageId = acknowledgementMessageId(caseId);
  const raw = await composeMail({
    from: { name: `${tenant.sender.name} Support`, address: tenant.sender.email },
    replyTo: c.replyTo,
    to: { name: c.requester.name, address: c.requester.email },
    subject: replySubject(c),
    text:
      `Hello ${c.requester.name || ''},\n\n`.replace(' ,', ',') +
      `We received your request and opened case #${c.number}. We will answer you soon; ` +
      `to add anything, reply to this email.\n\n${tenant.sender.name} Support\n`,
    messageId,
    ...(first?.mailMessageId ? { inReplyTo: first.mailMessageId, references: [first.mailMessageId] } : {}),
    autoSubmitted: 'auto-replied',
  });
  return send(
    ctx,
    key,
    claim.claimedAt,
    {
      from: tenant.sender.email,
      to: c.requester.email,
      raw,
      tags: { kind: 'case-acknowledgement', caseId },
    },
    async (uow) => {
      uow.put(mailRefItem(ctx, messageId, caseId, 'out'));
    },
  );
}

/** Mails an agent's public reply, quoting the customer's last message under it. */
export async function mailReply(ctx: TenantContext, caseId: string, messageId: string): Promise<string> {
  const [c, reply] = await Promise.all([getCase(ctx, caseId, true), getCaseMessage(ctx, caseId, messageId)]);
  if (reply.visibility !== 'public' || !reply.mailMessageId) return 'internal';
  if (!c.requester.email) {
    // Nobody to mail (a phone case with no address, or a requester erased since): the reply says
    // so, rather than showing 'sending' for good.
    await unitOfWork(ctx)
      .update(caseKeys.message(ctx.tenantId, caseId, messageId), {
        set: { delivery: 'failed', deliveryReason: 'The requester has no email address.' },
        condition: (e) => `${e.name('delivery')} = ${e.value('sending')}`,
        onConditionFailed: () => new ConflictError('The reply is no longer being sent.'),
      })
      .commit()
      .catch((error) => {
        if (!(error instanceof ConflictError)) throw error;
      });
    return 'no_address';
  }
  const key = guardOf(ctx, caseId, messageId);
  const claim = await claimMail(ctx, key, `reply ${messageId} on case ${caseId}`);
  if (claim.status === 'done') return 'done';
  const [tenant, thread] = await Promise.all([getTenant(ctx), threadBefore(ctx, c, reply)]);
  const quoted = thread.lastIn;
  const raw = await composeMail({
    from: { name: `${tenant.sender.name} Support`, address: tenant.sender.email },
    replyTo: c.replyTo,
    to: { name: c.requester.name, address: c.requester.email },
    subject: reply.subject,
    text: quoted ? `${reply.text}\n\n${quote(quoted)}` : reply.text,
    messageId: reply.mailMessageId,
    ...(thread.references.length
      ? { inReplyTo: quoted?.mailMessageId ?? thread.references.at(-1)!, references: thread.references }
      : {}),
  });
  return send(
    ctx,
    key,
    claim.claimedAt,
    { from: tenant.sender.email, to: c.requester.email, raw, tags: { kind: 'case-reply', caseId } },
    async (uow, outcome) => {
      uow.update(caseKeys.message(ctx.tenantId, caseId, messageId), {
        set: {
          delivery: outcome.status,
          ...(outcome.status === 'sent' ? {} : { deliveryReason: outcome.reason }),
        },
      });
      if (outcome.status === 'sent')
        uow.put(mailRefItem(ctx, `<${outcome.messageId}@amazonses.com>`, caseId, 'out'));
    },
  );
}

type Outcome = Awaited<ReturnType<typeof sendRawMail>>;

async function send(
  ctx: TenantContext,
  key: { PK: string; SK: string },
  claimedAt: string,
  message: Parameters<typeof sendRawMail>[1],
  record: (uow: ReturnType<typeof unitOfWork>, outcome: Outcome) => Promise<void>,
): Promise<string> {
  let outcome: Outcome;
  try {
    outcome = await sendRawMail(ctx, message);
  } catch (error) {
    await releaseMail(ctx, key, claimedAt);
    throw error;
  }
  const uow = unitOfWork(ctx);
  mailSentInto(uow, key, claimedAt, outcome);
  await record(uow, outcome);
  await uow.commit();
  return outcome.status;
}

function quote(message: CaseMessage): string {
  const who = message.from?.name || message.from?.email || 'You';
  const when = new Date(message.createdAt).toUTCString();
  return [`On ${when}, ${who} wrote:`, ...message.text.split('\n').map((l) => `> ${l}`)].join('\n');
}

async function firstCustomerMessage(ctx: TenantContext, c: Case): Promise<CaseMessage | undefined> {
  const [first] = await queryAll(
    ctx,
    { partition: caseKeys.partition(ctx.tenantId, c.id), sort: { beginsWith: 'MSG#' }, consistent: true },
    1,
  );
  return first?.direction === 'in' ? (first as unknown as CaseMessage) : undefined;
}

/**
 * What a reply threads on: the Message-IDs of the case's mail before it, oldest first (at most
 * the last 20, as mail clients trim References), and the customer's last message to quote.
 */
async function threadBefore(ctx: TenantContext, c: Case, reply: CaseMessage) {
  const lastInItem = c.lastCustomerMessageId
    ? await getItem(ctx, caseKeys.message(ctx.tenantId, c.id, c.lastCustomerMessageId))
    : undefined;
  const earlier = await queryAll(
    ctx,
    {
      partition: caseKeys.partition(ctx.tenantId, c.id),
      sort: { between: ['MSG#', `MSG#${reply.id}`] },
      ascending: false,
    },
    40,
  );
  const references = earlier
    .filter((m) => m.id !== reply.id && typeof m.mailMessageId === 'string' && m.visibility === 'public')
    .slice(0, 20)
    .map((m) => String(m.mailMessageId))
    .reverse();
  return { references, lastIn: lastInItem as unknown as CaseMessage | undefined };
}

const MISSED: Record<'first_response' | 'next_response' | 'resolution', string> = {
  first_response: 'first-response',
  next_response: 'next-response',
  resolution: 'resolution',
};

/**
 * A breached SLA is mailed once to the assignee and to the lead: the tenant's first admin, until
 * teams with leads exist (docs/contact-centre.md, SLAs). One guard per breach (case, clock and
 * target: a case may miss several next responses) and recipient.
 */
export async function escalateBreach(
  ctx: TenantContext,
  caseId: string,
  breach: { metric: keyof typeof MISSED; dueAt: string },
): Promise<string[]> {
  const { metric, dueAt } = breach;
  const [c, tenant] = await Promise.all([getCase(ctx, caseId, true), getTenant(ctx)]);
  const recipients = new Set<string>();
  if (c.assigneeId) {
    const member = await getMember(ctx, c.assigneeId).catch(absentIfNotFound);
    if (member?.email) recipients.add(member.email.toLowerCase());
  }
  if (tenant.emailVerification.email) recipients.add(tenant.emailVerification.email.toLowerCase());
  const outcomes: string[] = [];
  for (const to of recipients) {
    const key = guardOf(ctx, caseId, `sla-breach#${metric}#${dueAt}#${to}`);
    const claim = await claimMail(ctx, key, `SLA breach of case ${caseId} to ${to}`);
    if (claim.status === 'done') {
      outcomes.push('done');
      continue;
    }
    const text =
      `Case #${c.number} "${c.subject}" missed its ${MISSED[metric]} target (due ${dueAt}).\n` +
      `Its priority is now ${c.priority}. Case id: ${c.id}.\n`;
    let outcome: Awaited<ReturnType<typeof sendMail>>;
    try {
      outcome = await sendMail(ctx, {
        category: 'transactional',
        sender: { name: `${tenant.sender.name} Support`, email: tenant.sender.email },
        to,
        subject: `SLA breached: case #${c.number} ${c.subject}`,
        text,
        html: `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`,
        tags: { kind: 'case-sla-breach', caseId },
      });
    } catch (error) {
      await releaseMail(ctx, key, claim.claimedAt);
      throw error;
    }
    const uow = unitOfWork(ctx);
    mailSentInto(uow, key, claim.claimedAt, outcome);
    await uow.commit();
    outcomes.push(outcome.status);
  }
  return outcomes;
}
