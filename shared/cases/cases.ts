import {
  CaseCallLogged,
  CaseMessageReceived,
  CaseOpened,
  CaseReplyPosted,
  CaseSlaMet,
  CaseStatusChanged,
} from '../../events/cases.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import { registerAttachable } from '../documents/targets.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { retryWhileRaced } from '../platform/db/retries.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { caseReplyAddress, inboundDomain } from './addresses.ts';
import { caseKeys } from './keys.ts';
import type {
  Case,
  CaseCall,
  CaseChannel,
  CaseCreate,
  CaseListQuery,
  CaseMessage,
  CasePriority,
  CaseReply,
  CaseStatus,
  CaseUpdate,
} from './schema.ts';
import { slaEnvironment } from './settings.ts';
import {
  agentResponded,
  closesAtAfter,
  customerWrote,
  METRIC_NAME,
  metInTime,
  openingClocks,
  type SlaClocks,
  type SlaEnvironment,
  statusMoved,
} from './sla-clocks.ts';

/** Longer bodies are cut in the table (the raw mail stays in S3): a case's items stay far below 400 KB. */
export const MAX_STORED_TEXT = 64 * 1024;

export const caseFromItem = (item: Item): Case => withoutKeys<Case>(item);
const messageFromItem = (item: Item): CaseMessage => withoutKeys<CaseMessage>(item);

/** The Message-ID of a mail we send for a case message: ours, on the inbound domain. */
export const outgoingMessageId = (messageId: string) => `<${messageId.toLowerCase()}@${inboundDomain()}>`;

export async function getCase(ctx: TenantContext, id: string, consistent = false): Promise<Case> {
  const item = await getItem(ctx, caseKeys.case(ctx.tenantId, id), { consistent });
  if (!item) throw new NotFoundError('Case', id);
  return caseFromItem(item);
}

export async function getCaseMessage(ctx: TenantContext, caseId: string, id: string): Promise<CaseMessage> {
  const item = await getItem(ctx, caseKeys.message(ctx.tenantId, caseId, id), { consistent: true });
  if (!item) throw new NotFoundError('Case message', id);
  return messageFromItem(item);
}

export async function listCases(ctx: TenantContext, query: CaseListQuery): Promise<Page<Case>> {
  const t = ctx.tenantId;
  const partition = query.contactId
    ? { index: 'GSI3' as const, partition: caseKeys.ofContact(t, query.contactId) }
    : query.status
      ? { index: 'GSI2' as const, partition: caseKeys.byStatus(t, query.status) }
      : { index: 'GSI1' as const, partition: caseKeys.list(t) };
  return queryPage(
    ctx,
    {
      ...partition,
      ascending: false,
      ...(query.contactId && query.status
        ? {
            filter: (e) => `${e.name('status')} = ${e.value(query.status)}`,
            filterFingerprint: query.status,
          }
        : {}),
    },
    query,
    caseFromItem,
  );
}

/** The conversation, oldest first: the case's own partition, one query per page. */
export async function listCaseMessages(
  ctx: TenantContext,
  caseId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<CaseMessage>> {
  await getCase(ctx, caseId);
  return queryPage(
    ctx,
    { partition: caseKeys.partition(ctx.tenantId, caseId), sort: { beginsWith: 'MSG#' } },
    page,
    messageFromItem,
  );
}

/** The index attributes of a case item: the tenant's list, by status, by contact. */
export function caseIndexes(ctx: TenantContext, c: Pick<Case, 'id' | 'status' | 'contactId'>) {
  const t = ctx.tenantId;
  return {
    GSI1PK: caseKeys.list(t),
    GSI1SK: c.id,
    GSI2PK: caseKeys.byStatus(t, c.status),
    GSI2SK: c.id,
    ...(c.contactId ? { GSI3PK: caseKeys.ofContact(t, c.contactId), GSI3SK: c.id } : {}),
  };
}

/** The item that ties a Message-ID to its case (threading, and the inbound redelivery guard). */
export function mailRefItem(
  ctx: TenantContext,
  messageId: string,
  caseId: string,
  direction: 'in' | 'out',
): Item {
  const key = caseKeys.mailRef(ctx.tenantId, messageId);
  return {
    ...key,
    entity: 'CaseMailRef',
    caseId,
    direction,
    GSI1PK: caseKeys.mailRefsOf(ctx.tenantId, caseId),
    GSI1SK: key.PK,
  };
}

/** Thrown when another case took the number read: the caller retries with the next one. */
export class CaseNumberTaken extends Error {}

/**
 * The next human case number, read consistently; the write that takes it is added to the unit of
 * work with a condition on the number read, so two cases opened at once never share a number.
 */
export async function takeCaseNumberInto(uow: UnitOfWork, ctx: TenantContext): Promise<number> {
  const key = caseKeys.counter(ctx.tenantId);
  const counter = await getItem(ctx, key, { consistent: true });
  const last = typeof counter?.last === 'number' ? counter.last : 0;
  uow.update(key, {
    set: { entity: 'CaseCounter', last: last + 1 },
    condition: counter
      ? (e) => `${e.name('last')} = ${e.value(last)}`
      : (e) => `attribute_not_exists(${e.name('PK')})`,
    onConditionFailed: () => new CaseNumberTaken(),
  });
  return last + 1;
}

/**
 * What a case opened at the same moment as another can meet, and overcome by trying again: the
 * number it read was taken, or the requester's new contact was created by the other case (the
 * next attempt finds it).
 */
const openedMeanwhile = (error: unknown) =>
  error instanceof CaseNumberTaken ||
  (error instanceof ConflictError && error.details.existingContactId !== undefined);

/** Runs `attempt` again while a case opened at the same moment got there first (openedMeanwhile). */
export function withCaseNumber<T>(attempt: () => Promise<T>): Promise<T> {
  return retryWhileRaced(
    attempt,
    openedMeanwhile,
    'Many cases are being opened at once; nothing was written. Send the same request again shortly.',
  );
}

export interface NewCase {
  number: number;
  subject: string;
  channel: CaseChannel;
  priority: CasePriority;
  contactId?: string | undefined;
  companyId?: string | undefined;
  requester: Case['requester'];
  tags: string[];
  links?: Case['links'] | undefined;
  followUpOf?: string | undefined;
  acknowledge: boolean;
  /** The id of the customer's message that opens the case (customerMessageInto with `fresh`). */
  firstMessageId?: string;
  /** The SLA policy its clocks start with. */
  sla: SlaEnvironment;
}

/** Adds a new case to the unit of work, with its event and the contact's timeline entry. */
export function openCaseInto(uow: UnitOfWork, ctx: TenantContext, input: NewCase): Case {
  const now = ctx.clock.now().toISOString();
  const id = newId();
  const record: Case = {
    id,
    number: input.number,
    subject: input.subject,
    status: 'new',
    priority: input.priority,
    channel: input.channel,
    ...(input.contactId ? { contactId: input.contactId } : {}),
    ...(input.companyId ? { companyId: input.companyId } : {}),
    requester: input.requester,
    tags: [...new Set(input.tags)].sort(),
    links: input.links ?? {},
    messageCount: input.firstMessageId ? 1 : 0,
    lastMessageAt: now,
    ...(input.firstMessageId ? { lastCustomerMessageId: input.firstMessageId } : {}),
    ...(input.followUpOf ? { followUpOf: input.followUpOf } : {}),
    sla: openingClocks(new Date(now), input.priority, input.sla),
    replyTo: caseReplyAddress(ctx.tenantId, id),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  uow.put(
    { ...caseKeys.case(ctx.tenantId, id), entity: 'Case', ...record, ...caseIndexes(ctx, record) },
    { condition: notExists },
  );
  uow.publish(CaseOpened, {
    caseId: id,
    number: record.number,
    channel: record.channel,
    priority: record.priority,
    ...(record.contactId ? { contactId: record.contactId } : {}),
    acknowledge: input.acknowledge,
  });
  if (record.contactId)
    addTimelineEntryInto(uow, ctx, record.contactId, {
      kind: 'case',
      title: `Case #${record.number} opened: ${record.subject}`,
      ref: { type: 'case', id },
    });
  return record;
}

export interface NewCustomerMessage {
  channel: CaseChannel;
  from?: { name: string; email: string } | undefined;
  subject: string;
  text: string;
  mailMessageId?: string | undefined;
  inReplyTo?: string | undefined;
  documentIds?: string[];
  /** Fixed beforehand when the message opens its case (the case names it). */
  id?: string;
}

/**
 * A customer's message on a case, in the unit of work: the message, the case's counters, and a
 * solved case reopened (a closed one never reaches here: its reply opens a follow-up). The case's
 * version guards the update, so a concurrent change fails the unit and the caller retries.
 */
export function customerMessageInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  current: Case,
  message: NewCustomerMessage,
  options: { fresh: boolean; sla: SlaEnvironment },
): CaseMessage {
  const now = ctx.clock.now().toISOString();
  const saved: CaseMessage = {
    id: message.id ?? newId(),
    caseId: current.id,
    direction: 'in',
    visibility: 'public',
    channel: message.channel,
    ...(message.from ? { from: { name: message.from.name, email: message.from.email } } : {}),
    subject: message.subject,
    ...bodyOf(message.text),
    documentIds: message.documentIds ?? [],
    ...(message.mailMessageId ? { mailMessageId: message.mailMessageId } : {}),
    ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
    createdAt: now,
  };
  uow.put({ ...caseKeys.message(ctx.tenantId, current.id, saved.id), entity: 'CaseMessage', ...saved });
  const reopened = !options.fresh && current.status === 'solved';
  const status: CaseStatus = reopened || current.status === 'pending' ? 'open' : current.status;
  // A fresh case was put in this same unit with its first message's counters (openCaseInto).
  if (!options.fresh) {
    const at = new Date(now);
    const sla = customerWrote(
      statusMoved(current.sla ?? {}, current.status, status, at, options.sla.hours),
      at,
      current.priority,
      options.sla,
      current.firstResponseAt !== undefined,
    );
    uow.update(caseKeys.case(ctx.tenantId, current.id), {
      set: {
        lastMessageAt: now,
        lastCustomerMessageId: saved.id,
        status,
        GSI2PK: caseKeys.byStatus(ctx.tenantId, status),
        sla,
        closesAt: closesAtAfter(current, status, at, options.sla),
      },
      add: { messageCount: 1 },
      ...whileVersion(current.version),
    });
    if (status !== current.status) uow.publish(CaseStatusChanged, statusChange(current, status));
  }
  uow.publish(CaseMessageReceived, {
    caseId: current.id,
    messageId: saved.id,
    channel: message.channel,
    ...(current.contactId ? { contactId: current.contactId } : {}),
    reopened,
  });
  if (current.contactId && !options.fresh)
    addTimelineEntryInto(uow, ctx, current.contactId, {
      kind: 'case',
      title: `Message on case #${current.number}: ${message.subject}`,
      ref: { type: 'case', id: current.id },
    });
  return saved;
}

function bodyOf(text: string): { text: string; truncated?: boolean } {
  if (Buffer.byteLength(text, 'utf8') <= MAX_STORED_TEXT) return { text };
  return { text: Buffer.from(text, 'utf8').subarray(0, MAX_STORED_TEXT).toString('utf8'), truncated: true };
}

/** The clocks of a change, in its unit of work, with an event per target it reached in time. */
function clocksInto(uow: UnitOfWork, current: Case, sla: SlaClocks): { sla: SlaClocks } {
  for (const metric of metInTime(current.sla ?? {}, sla, current.solvedAt !== undefined)) {
    const clock = sla[metric]!;
    uow.publish(CaseSlaMet, {
      caseId: current.id,
      metric: METRIC_NAME[metric],
      priority: current.priority,
      dueAt: clock.dueAt,
      metAt: clock.metAt!,
      ...(current.assigneeId ? { assigneeId: current.assigneeId } : {}),
    });
  }
  return { sla };
}

function statusChange(current: Case, to: CaseStatus) {
  return {
    caseId: current.id,
    from: current.status,
    to,
    ...(current.contactId ? { contactId: current.contactId } : {}),
    ...(current.assigneeId ? { assigneeId: current.assigneeId } : {}),
  };
}

/**
 * An agent's reply or internal note. A public reply is committed with `delivery: sending`, its
 * Message-ID reserved (so the customer's answer threads back even before SES has taken it), and
 * mailed once by the mail consumer from the committed event.
 */
export async function postReply(ctx: TenantContext, caseId: string, body: CaseReply): Promise<CaseMessage> {
  const [current, env] = await Promise.all([getCase(ctx, caseId, true), slaEnvironment(ctx)]);
  const now = ctx.clock.now().toISOString();
  const authorId = ctx.actor.type === 'member' ? ctx.actor.memberId : undefined;
  const id = newId();
  const isPublic = body.visibility === 'public';
  if (isPublic && current.status === 'closed')
    throw new ConflictError('The case is closed: the customer is answered on a follow-up case.', {
      reason: 'case_closed',
    });
  const saved: CaseMessage = {
    id,
    caseId,
    direction: 'out',
    visibility: body.visibility,
    channel: current.channel,
    ...(authorId ? { authorId } : {}),
    subject: replySubject(current),
    ...bodyOf(body.text),
    documentIds: [],
    ...(isPublic ? { mailMessageId: outgoingMessageId(id), delivery: 'sending' as const } : {}),
    createdAt: now,
  };
  const status: CaseStatus = body.status ?? (current.status === 'new' ? 'open' : current.status);
  const at = new Date(now);
  // Answered first, then paused: a reply that asks the customer something stops the response clock.
  const sla = statusMoved(
    isPublic ? agentResponded(current.sla ?? {}, at) : (current.sla ?? {}),
    current.status,
    status,
    at,
    env.hours,
  );
  const uow = unitOfWork(ctx);
  uow.put({ ...caseKeys.message(ctx.tenantId, caseId, id), entity: 'CaseMessage', ...saved });
  if (isPublic)
    uow.put(
      {
        ...caseKeys.mailRef(ctx.tenantId, saved.mailMessageId!),
        entity: 'CaseMailRef',
        caseId,
        direction: 'out',
      },
      { condition: notExists },
    );
  uow.update(caseKeys.case(ctx.tenantId, caseId), {
    set: {
      lastMessageAt: now,
      status,
      GSI2PK: caseKeys.byStatus(ctx.tenantId, status),
      ...(status === 'solved' ? { solvedAt: now } : {}),
      closesAt: closesAtAfter(current, status, at, env),
      ...(isPublic && !current.firstResponseAt ? { firstResponseAt: now } : {}),
      ...(!current.assigneeId && authorId ? { assigneeId: authorId } : {}),
      // The reply's author is who met the target when the case had nobody on it.
      ...clocksInto(uow, { ...current, assigneeId: current.assigneeId ?? authorId }, sla),
    },
    add: { messageCount: 1 },
    ...whileVersion(current.version),
  });
  uow.publish(CaseReplyPosted, {
    caseId,
    messageId: id,
    visibility: body.visibility,
    ...(authorId ? { authorId } : {}),
  });
  if (status !== current.status) uow.publish(CaseStatusChanged, statusChange(current, status));
  if (current.contactId && isPublic)
    addTimelineEntryInto(uow, ctx, current.contactId, {
      kind: 'case',
      title: `Reply on case #${current.number}`,
      ref: { type: 'case', id: caseId },
    });
  await uow.commit();
  return saved;
}

/** `Re: <subject> [#<number>]`: the reference stays visible whatever the client does to the subject. */
export function replySubject(c: Pick<Case, 'subject' | 'number'>): string {
  const base = c.subject.replace(/^(\s*(re|aw|sv|fw|fwd)\s*:\s*)+/i, '').replace(/\s*\[#\d+\]\s*$/, '');
  return `Re: ${base} [#${c.number}]`;
}

export async function updateCase(
  ctx: TenantContext,
  id: string,
  body: CaseUpdate,
  ifMatch: number | 'any' | undefined,
): Promise<Case> {
  const current = await getCase(ctx, id, true);
  assertIfMatch(ifMatch, current);
  const now = ctx.clock.now().toISOString();
  const env = body.status && body.status !== current.status ? await slaEnvironment(ctx) : undefined;
  const next: Case = {
    ...current,
    ...(body.status ? { status: body.status } : {}),
    ...(body.priority ? { priority: body.priority } : {}),
    ...(body.tags ? { tags: [...new Set(body.tags)].sort() } : {}),
    ...(body.subject ? { subject: body.subject } : {}),
  };
  if (body.assigneeId === null) delete next.assigneeId;
  else if (body.assigneeId) next.assigneeId = body.assigneeId;
  if (next.status === 'solved' && current.status !== 'solved') next.solvedAt = now;
  if (env && current.sla)
    next.sla = statusMoved(current.sla, current.status, next.status, new Date(now), env.hours);
  if (env) {
    const closesAt = closesAtAfter(current, next.status, new Date(now), env);
    if (closesAt) next.closesAt = closesAt;
    else delete next.closesAt;
  }
  if (JSON.stringify(next) === JSON.stringify(current)) return current;
  const uow = unitOfWork(ctx);
  uow.update(caseKeys.case(ctx.tenantId, id), {
    set: {
      status: next.status,
      priority: next.priority,
      tags: next.tags,
      subject: next.subject,
      assigneeId: next.assigneeId,
      solvedAt: next.solvedAt,
      GSI2PK: caseKeys.byStatus(ctx.tenantId, next.status),
      ...(next.sla ? clocksInto(uow, current, next.sla) : {}),
      ...(env ? { closesAt: next.closesAt } : {}),
    },
    ...whileVersion(current.version),
  });
  if (next.status !== current.status) uow.publish(CaseStatusChanged, statusChange(current, next.status));
  await uow.commit();
  return { ...next, updatedAt: now, version: current.version + 1 };
}

/**
 * A case opened through the API (an integration, or an agent logging a call): the customer by id,
 * or by address (matched, else created as a lead), and the request as its first message.
 */
// Loaded on this path only: the contacts service is not in the cases API's cold start.
const customers = () => import('./customers.ts');

export async function createCase(ctx: TenantContext, body: CaseCreate): Promise<Case> {
  const sla = await slaEnvironment(ctx);
  return withCaseNumber(async () => {
    const uow = unitOfWork(ctx);
    const customer = await (await customers()).customerFor(ctx, uow, body);
    const firstMessageId = newId();
    const opened = openCaseInto(uow, ctx, {
      firstMessageId,
      number: await takeCaseNumberInto(uow, ctx),
      subject: body.subject,
      channel: body.channel,
      priority: body.priority,
      ...customer,
      tags: body.tags,
      links: body.links,
      acknowledge: body.acknowledge && customer.requester.email !== undefined,
      sla,
    });
    const first = customerMessageInto(
      uow,
      ctx,
      opened,
      { id: firstMessageId, channel: body.channel, subject: body.subject, text: body.text },
      { fresh: true, sla },
    );
    await uow.commit();
    return { ...opened, lastCustomerMessageId: first.id };
  });
}

registerAttachable('case', caseKeys.case);

/**
 * A call logged on a case: a message of the phone channel, `in` when the customer called, `out`
 * when an agent did (which answers the customer: the first-response clock stops).
 */
export async function logCall(ctx: TenantContext, caseId: string, body: CaseCall): Promise<CaseMessage> {
  const [current, env] = await Promise.all([getCase(ctx, caseId, true), slaEnvironment(ctx)]);
  const now = ctx.clock.now().toISOString();
  const authorId = ctx.actor.type === 'member' ? ctx.actor.memberId : undefined;
  const outbound = body.direction === 'outbound';
  const saved: CaseMessage = {
    id: newId(),
    caseId,
    direction: outbound ? 'out' : 'in',
    visibility: 'public',
    channel: 'phone',
    ...(authorId ? { authorId } : {}),
    subject: `Call: ${current.subject}`,
    ...bodyOf(body.notes),
    documentIds: [],
    call: {
      ...(body.phoneNumber ? { phoneNumber: body.phoneNumber } : {}),
      durationSeconds: body.durationSeconds,
    },
    createdAt: now,
  };
  const status: CaseStatus =
    current.status === 'new' || (!outbound && ['pending', 'solved'].includes(current.status))
      ? 'open'
      : current.status;
  const at = new Date(now);
  const clocks: SlaClocks = current.sla ?? {};
  const sla = outbound
    ? statusMoved(agentResponded(clocks, at), current.status, status, at, env.hours)
    : customerWrote(
        statusMoved(clocks, current.status, status, at, env.hours),
        at,
        current.priority,
        env,
        current.firstResponseAt !== undefined,
      );
  const uow = unitOfWork(ctx);
  uow.put({ ...caseKeys.message(ctx.tenantId, caseId, saved.id), entity: 'CaseMessage', ...saved });
  uow.update(caseKeys.case(ctx.tenantId, caseId), {
    set: {
      lastMessageAt: now,
      status,
      GSI2PK: caseKeys.byStatus(ctx.tenantId, status),
      ...(outbound && !current.firstResponseAt ? { firstResponseAt: now } : {}),
      ...clocksInto(uow, current, sla),
      closesAt: closesAtAfter(current, status, at, env),
    },
    add: { messageCount: 1 },
    ...whileVersion(current.version),
  });
  uow.publish(CaseCallLogged, {
    caseId,
    messageId: saved.id,
    direction: body.direction,
    durationSeconds: body.durationSeconds,
    ...(current.contactId ? { contactId: current.contactId } : {}),
  });
  if (status !== current.status) uow.publish(CaseStatusChanged, statusChange(current, status));
  if (current.contactId)
    addTimelineEntryInto(uow, ctx, current.contactId, {
      kind: 'call',
      title: `${outbound ? 'Called' : 'Call from'} the customer on case #${current.number}`,
      ref: { type: 'case', id: caseId },
    });
  await uow.commit();
  return saved;
}
