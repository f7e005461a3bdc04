import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getContactItem } from '../contacts/records.ts';
import { createContactInto, findContactIdByEmail } from '../contacts/service.ts';
import { documentInto, putFile } from '../documents/documents.ts';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import { type TenantContext, tenantContext } from '../platform/context.ts';
import { getItem, getItems, unitOfWork } from '../platform/db/repository.ts';
import { isDomainError, PreconditionFailedError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { AppLogger } from '../platform/logger.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { inboundDomain, parseSupportAddress } from './addresses.ts';
import {
  caseFromItem,
  customerMessageInto,
  mailRefItem,
  openCaseInto,
  takeCaseNumberInto,
  withCaseNumber,
} from './cases.ts';
import { INBOUND_BUCKET, INCOMING_PREFIX, MAX_INBOUND_BYTES, REJECTED_PREFIX } from './inbound-layout.ts';
import { caseKeys, mailRefHash, normalizeMessageId } from './keys.ts';
import { type ParsedMail, parseMail } from './mime-parse.ts';
import type { Case } from './schema.ts';
import { slaEnvironment } from './settings.ts';
import type { SlaEnvironment } from './sla-clocks.ts';

/**
 * Mail to the support addresses becomes cases (docs/contact-centre.md, Email in). SES receiving
 * (locally the SMTP listener) stores each raw message under `incoming/` in the inbound bucket and
 * S3 notifies this code, which reads, checks, threads and records it in one transaction. What it
 * will not process is copied under `rejected/<reason>/` with the reason, and logged.
 */
/** How many of a reply's References are looked up to thread it (the newest ones). */
const MAX_REFERENCES = 20;

export type InboundOutcome =
  | { status: 'opened'; tenantId: string; caseId: string; messageId: string }
  | { status: 'appended'; tenantId: string; caseId: string; messageId: string }
  | { status: 'duplicate'; tenantId: string }
  | { status: 'rejected'; reason: RejectReason };

export type RejectReason =
  | 'too_large'
  | 'malformed'
  | 'spam'
  | 'virus'
  | 'unknown_recipient'
  | 'automatic'
  | 'own_message';

let bucket: string | undefined;
const inboundBucket = () => {
  bucket ??= bucketName(INBOUND_BUCKET);
  return bucket;
};

export async function receiveInboundObject(
  key: string,
  size: number,
  logger: AppLogger,
): Promise<InboundOutcome> {
  if (size > MAX_INBOUND_BYTES) {
    const head = await readObject(key, 64 * 1024);
    return reject(key, head, 'too_large', logger);
  }
  const raw = await readObject(key);
  let mail: ParsedMail;
  try {
    mail = await parseMail(raw);
  } catch (error) {
    logger.warn('inbound mail unreadable', { error: String(error) });
    return reject(key, raw, 'malformed', logger);
  }
  if (!mail.from) return reject(key, raw, 'malformed', logger);
  // SES's verdicts (locally the SMTP listener's test hook sets the same headers).
  if (mail.headers.get('x-ses-virus-verdict')?.toUpperCase() === 'FAIL')
    return reject(key, raw, 'virus', logger);
  if (mail.headers.get('x-ses-spam-verdict')?.toUpperCase() === 'FAIL')
    return reject(key, raw, 'spam', logger);
  const recipient = mail.recipients.map((r) => parseSupportAddress(r)).find((r) => r !== undefined);
  if (!recipient) return reject(key, raw, 'unknown_recipient', logger);
  const ctx = tenantContext({
    tenantId: recipient.tenantId,
    actor: { type: 'system', process: 'cases-inbound' },
  });
  let tenant: Tenant;
  try {
    tenant = await getTenant(ctx);
  } catch (error) {
    if (isDomainError(error)) return reject(key, raw, 'unknown_recipient', logger);
    throw error;
  }
  const messageId = mail.messageId ?? `<${createHash('sha256').update(raw).digest('hex')}@no-message-id>`;
  if (isOwnMessage(messageId)) return reject(key, raw, 'own_message', logger);
  if (isAutomatic(mail)) return reject(key, raw, 'automatic', logger);
  const sla = await slaEnvironment(ctx, tenant);
  return withCaseNumber(() => recordInbound(ctx, mail, messageId, recipient.caseId, sla));
}

/** A Message-ID we minted (on the inbound domain): our own mail came back, a loop. */
function isOwnMessage(messageId: string): boolean {
  return normalizeMessageId(messageId).split('@')[1] === inboundDomain();
}

/**
 * RFC 3834 and the conventions before it: auto-replies, bounces, list and bulk mail. Never
 * answered, never a case; a human's reply is not marked so.
 */
export function isAutomatic(mail: Pick<ParsedMail, 'headers' | 'from'>): boolean {
  const h = mail.headers;
  const autoSubmitted = h.get('auto-submitted')?.toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (/^(bulk|junk|list|auto_reply)$/i.test(h.get('precedence') ?? '')) return true;
  if (h.has('x-autoreply') || h.has('x-autorespond') || h.has('list-id')) return true;
  if (/auto(reply|generated)/i.test(h.get('x-auto-response-suppress') ?? '') && h.has('x-autoreply'))
    return true;
  if ((h.get('return-path') ?? '').replace(/\s/g, '') === '<>') return true;
  const local = mail.from?.address.split('@')[0]?.toLowerCase() ?? '';
  return local === 'mailer-daemon' || local === 'postmaster';
}

async function recordInbound(
  ctx: TenantContext,
  mail: ParsedMail,
  messageId: string,
  tokenCaseId: string | undefined,
  sla: SlaEnvironment,
): Promise<InboundOutcome> {
  const t = ctx.tenantId;
  const ownRef = caseKeys.mailRef(t, messageId);
  if (await getItem(ctx, ownRef, { consistent: true })) return { status: 'duplicate', tenantId: t };
  const thread = await threadOf(ctx, mail, tokenCaseId);
  const from = mail.from!;
  const uow = unitOfWork(ctx);
  const hash = mailRefHash(messageId);
  const files = await Promise.all(
    mail.attachments.map((a, i) =>
      putFile(t, `inbound/${hash}/${i + 1}`, {
        name: a.filename,
        contentType: a.contentType,
        content: a.content,
      }),
    ),
  );
  let target: Case;
  let fresh = false;
  const messageRecordId = newId();
  if (thread && thread.status !== 'closed') target = thread;
  else {
    const customer = await customerOf(ctx, uow, from);
    target = openCaseInto(uow, ctx, {
      firstMessageId: messageRecordId,
      number: await takeCaseNumberInto(uow, ctx),
      subject: mail.subject.trim() || '(no subject)',
      channel: 'email',
      priority: 'normal',
      contactId: customer.contactId,
      companyId: customer.companyId,
      requester: { name: from.name, email: from.address },
      tags: [],
      followUpOf: thread?.id,
      acknowledge: true,
      sla,
    });
    fresh = true;
  }
  const documents = files.map((file) =>
    documentInto(uow, ctx, file, [{ kind: 'case', id: target.id }, ...contactAttachment(target)], 'email'),
  );
  const message = customerMessageInto(
    uow,
    ctx,
    target,
    {
      id: messageRecordId,
      channel: 'email',
      from: { name: from.name, email: from.address },
      subject: mail.subject,
      text: withoutQuotedHistory(mail.text),
      mailMessageId: messageId,
      inReplyTo: mail.inReplyTo[0],
      documentIds: documents.map((d) => d.id),
    },
    { fresh, sla },
  );
  // The guard: a redelivered message (same Message-ID) fails here and nothing of it commits.
  uow.put(
    { ...mailRefItem(ctx, messageId, target.id, 'in'), messageId: message.id },
    {
      condition: (e) => `attribute_not_exists(${e.name('PK')})`,
      onConditionFailed: () => new AlreadyRecorded(),
    },
  );
  try {
    await uow.commit();
  } catch (error) {
    if (error instanceof AlreadyRecorded) return { status: 'duplicate', tenantId: t };
    // The case changed while this message was recorded: read it again and retry.
    if (error instanceof PreconditionFailedError)
      return recordInbound(ctx, mail, messageId, tokenCaseId, sla);
    throw error;
  }
  return { status: fresh ? 'opened' : 'appended', tenantId: t, caseId: target.id, messageId: message.id };
}

class AlreadyRecorded extends Error {}

function contactAttachment(c: Case): Array<{ kind: 'contact'; id: string }> {
  return c.contactId ? [{ kind: 'contact', id: c.contactId }] : [];
}

/**
 * The case a reply belongs to: the case id in the address it was sent to, else any of its
 * In-Reply-To and References we know (one BatchGet), else none.
 */
async function threadOf(ctx: TenantContext, mail: ParsedMail, tokenCaseId: string | undefined) {
  let caseId = tokenCaseId;
  if (!caseId) {
    const ids = [...new Set([...mail.inReplyTo, ...mail.references.slice(-MAX_REFERENCES)])];
    if (ids.length) {
      const refs = await getItems(
        ctx,
        ids.map((id) => caseKeys.mailRef(ctx.tenantId, id)),
      );
      caseId = refs.map((r) => String(r.caseId)).find(Boolean);
    }
  }
  if (!caseId) return undefined;
  const item = await getItem(ctx, caseKeys.case(ctx.tenantId, caseId), { consistent: true });
  return item ? caseFromItem(item) : undefined;
}

/** The contact the address belongs to, or a new lead named from the mail's display name. */
async function customerOf(
  ctx: TenantContext,
  uow: ReturnType<typeof unitOfWork>,
  from: { name: string; address: string },
): Promise<{ contactId?: string; companyId?: string }> {
  const email = from.address.toLowerCase();
  const existing = await findContactIdByEmail(ctx, email);
  if (existing) {
    const item = await getContactItem(ctx, existing);
    return {
      contactId: existing,
      ...(typeof item?.companyId === 'string' ? { companyId: item.companyId } : {}),
    };
  }
  const [firstName, ...rest] = (from.name.trim() || email.split('@')[0]!).split(/\s+/);
  const contact = createContactInto(uow, ctx, {
    firstName: (firstName || email).slice(0, 100),
    lastName: (rest.join(' ') || '-').slice(0, 100),
    email,
    lifecycleStage: 'lead',
    tags: [],
  });
  return { contactId: contact.id };
}

/**
 * The new part of a reply: lines from the first "On ... wrote:" or quoted block on are the history
 * the case already holds. Plain text only; a message that is all quote keeps its text.
 */
export function withoutQuotedHistory(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cut = lines.findIndex(
    (line, i) =>
      /^On .+wrote:\s*$/.test(line) ||
      /^-{2,}\s*Original Message\s*-{2,}/i.test(line) ||
      (line.startsWith('>') && lines.slice(i).every((l) => l.startsWith('>') || l.trim() === '')),
  );
  const kept = (cut > 0 ? lines.slice(0, cut) : lines).join('\n').trim();
  return kept || text.trim();
}

async function readObject(key: string, maxBytes?: number): Promise<Buffer> {
  const object = await s3.send(
    new GetObjectCommand({
      Bucket: inboundBucket(),
      Key: key,
      ...(maxBytes ? { Range: `bytes=0-${maxBytes - 1}` } : {}),
    }),
  );
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** Kept aside with its reason, for an operator to look at; the original expires with its prefix. */
async function reject(
  key: string,
  raw: Buffer,
  reason: RejectReason,
  logger: AppLogger,
): Promise<InboundOutcome> {
  const name = key.startsWith(INCOMING_PREFIX) ? key.slice(INCOMING_PREFIX.length) : key;
  await s3.send(
    new PutObjectCommand({
      Bucket: inboundBucket(),
      Key: `${REJECTED_PREFIX}${reason}/${name}`,
      Body: raw,
      ContentType: 'message/rfc822',
      Metadata: { reason, source: key },
    }),
  );
  logger.warn('inbound mail rejected', { key, reason });
  return { status: 'rejected', reason };
}
