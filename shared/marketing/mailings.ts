import {
  MailingCancelled,
  MailingCompleted,
  MailingPaused,
  MailingResumed,
  MailingStarted,
} from '../../events/marketing.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, type Item, type UnitOfWork, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { checkContent } from './content.ts';
import { mailingKeys } from './keys.ts';
import { kindOf } from './mailing-kinds.ts';
import { type Counts, type Mailing, type MailingSpec, type MailingStatus, START } from './mailing-types.ts';
import type { MailingStats } from './schema.ts';
import { processed, readCounts } from './sends.ts';

/**
 * The sending pipeline's entry points (docs/marketing.md, "Sending pipeline"):
 *
 * 1. `startMailingInto` writes the mailing (status `sending`) and `MailingStarted` in the owner's
 *    transaction.
 * 2. The planner (queue `mailing-plan`) resolves the audience page by page, one page per message,
 *    each message continuing with the next: eligible recipients get a `queued` send record and go
 *    to the `mailing-sends` queue in batches of one shard.
 * 3. Senders claim each record (`queued` → `sending`, conditional) before SES gets the email, and
 *    record the SES message id after.
 * 4. SES events update the records, the suppression list and the counters; the mailing pauses
 *    itself when its bounce or complaint rate passes the limit.
 * 5. When the plan is complete and every recipient is handled, the mailing is `sent`.
 */
export const toMailing = (item: Item) => withoutKeys<Mailing>(item);

export async function findMailing(
  ctx: TenantContext,
  id: string,
  consistent = false,
): Promise<Mailing | undefined> {
  const item = await getItem(ctx, mailingKeys.mailing(ctx.tenantId, id), { consistent });
  return item ? toMailing(item) : undefined;
}

export async function getMailing(ctx: TenantContext, id: string, consistent = false): Promise<Mailing> {
  const mailing = await findMailing(ctx, id, consistent);
  if (!mailing) throw new NotFoundError('Mailing', id);
  return mailing;
}

/** Checks a spec before it is started: merge fields of its content (`path` prefixes the fields). */
export async function checkMailingSpec(
  ctx: TenantContext,
  spec: MailingSpec,
  path = 'content',
): Promise<void> {
  if ((spec.category ?? 'marketing') === 'marketing' && !spec.topicId)
    throw ValidationError.field('topicId', 'A marketing mailing needs a subscription topic.');
  await checkContent(ctx, spec.content, path, kindOf(spec.kind).mergeFields ?? []);
}

/**
 * What is wrong with a mailing checked in a job (a merge field deleted since its template was
 * saved): the problems' messages, or undefined when `check` passes. Other errors are thrown.
 */
export async function problemOf(check: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((issue) => issue.message).join(' ');
  }
}

/**
 * Starts a mailing in the caller's unit of work: the mailing item (one per owner id, so a second
 * start is a 409) and MailingStarted, which sets the planner going once the unit commits. The
 * owner records its own start in the same unit; later changes of status reach it through its
 * kind's `onStatusChange`. Check the spec first with `checkMailingSpec`.
 */
export function startMailingInto(uow: UnitOfWork, ctx: TenantContext, spec: MailingSpec): Mailing {
  kindOf(spec.kind);
  const now = ctx.clock.now().toISOString();
  const mailing: Mailing = {
    id: spec.id,
    kind: spec.kind,
    category: spec.category ?? 'marketing',
    audience: spec.audience,
    sender: spec.sender,
    content: spec.content,
    ...(spec.topicId ? { topicId: spec.topicId } : {}),
    ...(spec.maxSendRate ? { maxSendRate: spec.maxSendRate } : {}),
    ...(spec.ref ? { ref: spec.ref } : {}),
    status: 'sending',
    generation: 0,
    plan: { step: 0, position: START, complete: false },
    startedAt: now,
    version: 1,
  };
  uow.put(
    { ...mailingKeys.mailing(ctx.tenantId, mailing.id), entity: 'Mailing', ...mailing },
    {
      condition: notExists,
      onConditionFailed: () => new ConflictError(`Mailing ${mailing.id} was already started.`),
    },
  );
  uow.publish(MailingStarted, { mailingId: mailing.id, kind: mailing.kind });
  return mailing;
}

export async function startMailing(ctx: TenantContext, spec: MailingSpec): Promise<Mailing> {
  await checkMailingSpec(ctx, spec);
  const uow = unitOfWork(ctx);
  const mailing = startMailingInto(uow, ctx, spec);
  await uow.commit();
  return mailing;
}

class StatusMoved extends ConflictError {}

/** Moves the mailing from one status to another, with the owner's writes and the event given. */
async function transition(
  ctx: TenantContext,
  mailing: Mailing,
  to: MailingStatus,
  set: Record<string, unknown>,
  events: (uow: UnitOfWork, at: string) => void,
): Promise<Mailing> {
  const at = ctx.clock.now().toISOString();
  const next: Mailing = { ...mailing, ...set, status: to, version: mailing.version + 1 };
  const uow = unitOfWork(ctx);
  uow.update(mailingKeys.mailing(ctx.tenantId, mailing.id), {
    set: { ...set, status: to },
    add: { version: 1 },
    condition: (e) =>
      `${e.name('status')} = ${e.value(mailing.status)} AND ${e.name('version')} = ${e.value(mailing.version)}`,
    onConditionFailed: () => new StatusMoved(`Mailing ${mailing.id} changed meanwhile.`),
  });
  kindOf(mailing.kind).onStatusChange?.(uow, ctx, next, to, at);
  events(uow, at);
  await uow.commit();
  return next;
}

/**
 * Pauses a sending mailing: senders stop at their next batch (recipients already claimed finish).
 * `automatic` when the pipeline pauses itself (bounce or complaint rate); the admins are alerted.
 */
export async function pauseMailing(
  ctx: TenantContext,
  id: string,
  reason: string,
  automatic = false,
): Promise<Mailing> {
  const mailing = await getMailing(ctx, id, true);
  if (mailing.status !== 'sending')
    throw new ConflictError(`Only a sending mailing can be paused; this one is ${mailing.status}.`);
  const pausedAt = ctx.clock.now().toISOString();
  return transition(ctx, mailing, 'paused', { pausedAt, pauseReason: reason }, (uow) =>
    uow.publish(MailingPaused, { mailingId: id, kind: mailing.kind, reason, automatic, pausedAt }),
  );
}

/**
 * Sends again: recipients still waiting are queued anew, and planning continues where it stopped.
 * Whoever resumes accepted the rates so far: from now on the limits apply to the emails sent
 * after the resume (`limitsFrom`), so the same complaints do not pause it again at once.
 */
export async function resumeMailing(ctx: TenantContext, id: string): Promise<Mailing> {
  const mailing = await getMailing(ctx, id, true);
  if (mailing.status !== 'paused')
    throw new ConflictError(`Only a paused mailing can be resumed; this one is ${mailing.status}.`);
  const generation = mailing.generation + 1;
  const counts = await readCounts(ctx, id);
  const limitsFrom = { sent: counts.sent, bounced: counts.bounced, complained: counts.complained };
  return transition(
    ctx,
    mailing,
    'sending',
    { generation, limitsFrom, pausedAt: undefined, pauseReason: undefined },
    (uow) => uow.publish(MailingResumed, { mailingId: id, kind: mailing.kind, generation }),
  );
}

/** Cancels a paused mailing: recipients still waiting receive nothing. */
export async function cancelMailing(ctx: TenantContext, id: string): Promise<Mailing> {
  const mailing = await getMailing(ctx, id, true);
  if (mailing.status !== 'paused')
    throw new ConflictError(
      `Only a paused mailing can be cancelled; this one is ${mailing.status}. Pause it first.`,
    );
  return transition(ctx, mailing, 'cancelled', { cancelledAt: ctx.clock.now().toISOString() }, (uow) =>
    uow.publish(MailingCancelled, { mailingId: id, kind: mailing.kind }),
  );
}

/**
 * Looks at a sending mailing's counters: pauses it when its complaint or bounce rate passed the
 * limit, marks it sent when its plan is complete and every recipient is handled. Called by the
 * planner after its last page, by senders after each batch and by the feedback loop after each
 * bounce or complaint; the reads are consistent, so whoever commits the last count sees it.
 * Harmless when called twice.
 */
export async function settleMailing(ctx: TenantContext, id: string): Promise<MailingStatus | undefined> {
  const mailing = await findMailing(ctx, id, true);
  if (mailing?.status !== 'sending') return mailing?.status;
  const counts = await readCounts(ctx, id);
  const planned = mailing.plan.complete && (mailing.pagesDone?.size ?? 0) >= mailing.plan.step;
  const done = planned && processed(counts) >= counts.recipients;
  // A mailing with nobody left to send to completes: its statistics show the rates.
  const over = done ? undefined : overLimit(counts, mailing.limitsFrom);
  try {
    if (over) return (await pauseMailing(ctx, id, over, true)).status;
    if (!done) return 'sending';
    const sent = await transition(
      ctx,
      mailing,
      'sent',
      { completedAt: ctx.clock.now().toISOString() },
      (uow) =>
        uow.publish(MailingCompleted, {
          mailingId: id,
          kind: mailing.kind,
          recipients: counts.recipients,
          sent: counts.sent,
        }),
    );
    return sent.status;
  } catch (error) {
    // Another sender, the planner or a member moved it first.
    if (error instanceof StatusMoved || error instanceof ConflictError) return undefined;
    throw error;
  }
}

const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);

export function statsOf(
  mailing: Pick<Mailing, 'id'> & Partial<Pick<Mailing, 'startedAt' | 'completedAt'>> & { status: string },
  counts: Counts,
): MailingStats {
  const queued = Math.max(0, counts.recipients - processed(counts));
  return {
    mailingId: mailing.id,
    status: mailing.status,
    counts: { ...counts, queued },
    rates: {
      delivery: rate(counts.delivered, counts.sent),
      bounce: rate(counts.bounced, counts.sent),
      complaint: rate(counts.complained, counts.sent),
      open: rate(counts.opened, counts.delivered),
      click: rate(counts.clicked, counts.delivered),
      unsubscribe: rate(counts.unsubscribed, counts.delivered),
    },
    ...(mailing.startedAt ? { startedAt: mailing.startedAt } : {}),
    ...(mailing.completedAt ? { completedAt: mailing.completedAt } : {}),
  };
}

export async function mailingStats(ctx: TenantContext, id: string): Promise<MailingStats> {
  const [mailing, counts] = await Promise.all([getMailing(ctx, id), readCounts(ctx, id)]);
  return statsOf(mailing, counts);
}

/**
 * The limits past which a mailing pauses itself, as Gmail and SES judge senders: complaints above
 * 0.3% or hard bounces above 5% of emails sent, once enough emails went out for a rate to mean
 * something (MIN_SAMPLE).
 */
export const COMPLAINT_LIMIT = 0.003;
export const BOUNCE_LIMIT = 0.05;
export const MIN_SAMPLE = 100;

export function overLimit(
  counts: Counts,
  from: Mailing['limitsFrom'] = { sent: 0, bounced: 0, complained: 0 },
): string | undefined {
  const sent = counts.sent - from.sent;
  const complained = counts.complained - from.complained;
  const bounced = counts.bounced - from.bounced;
  const since = from.sent > 0 ? ' since the mailing was resumed' : '';
  if (sent < MIN_SAMPLE) return undefined;
  if (complained / sent > COMPLAINT_LIMIT)
    return `The complaint rate reached ${(rate(complained, sent) * 100).toFixed(2)}%${since} (limit 0.3%).`;
  if (bounced / sent > BOUNCE_LIMIT)
    return `The bounce rate reached ${(rate(bounced, sent) * 100).toFixed(2)}%${since} (limit 5%).`;
  return undefined;
}

export { StatusMoved };
