import * as z from 'zod/mini';
import { sendMessages } from '../platform/aws/queues.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItems, queryPage, unitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { lazy } from '../platform/lazy.ts';
import { type AudiencePosition, audiencePage, eligibleAmong, planAudience } from './audience.ts';
import { mailingKeys, SEND_SHARDS, shardOf } from './keys.ts';
import { kindOf } from './mailing-kinds.ts';
import type { Mailing } from './mailing-types.ts';
import { findMailing, settleMailing } from './mailings.ts';
import { countInto, newSendItem, sendKey } from './sends.ts';
import { PLAN_PAGE, PLAN_QUEUE, SEND_BATCH, SEND_QUEUE } from './settings.ts';
import { findTopic } from './topics.ts';

/**
 * The planner turns a mailing's audience into send records and send batches, one page per
 * message of the `mailing-plan` queue, so no invocation runs long whatever the audience's size.
 *
 * A message carries its page's number and position. Its first act is to announce the next page:
 * the mailing's plan moves to the next step (conditional on the step it read) and the next message
 * is enqueued, so several pages are worked on at once (up to the queue's concurrency) while each
 * position is read once. Then it writes the page's records, enqueues its batches, and marks the
 * page done (`pagesDone`, a set, so a repeated page counts once). The mailing is complete when the
 * last page was announced, every announced page is done, and every recipient is handled.
 *
 * A page is processed again when its message is redelivered: records already written are not
 * written again (nor counted), and those still queued are enqueued again, which the senders'
 * claims make harmless. A crash after the announcement but before the next message was enqueued
 * is repaired by the redelivered message, which finds the plan one step ahead and enqueues it.
 * A paused mailing announces nothing (pages already announced are still processed; their batches
 * wait); a resume enqueues the next page again, and `requeue` messages walk the send records of
 * each shard and enqueue those still queued.
 */

const Position = lazy(() => z.object({ source: z.int(), part: z.int(), cursor: z.optional(z.string()) }));

export const PlannerMessage = lazy(() =>
  z.discriminatedUnion('phase', [
    z.object({
      phase: z.literal('audience'),
      tenantId: z.string(),
      mailingId: z.string(),
      step: z.int(),
      position: Position,
    }),
    z.object({
      phase: z.literal('requeue'),
      tenantId: z.string(),
      mailingId: z.string(),
      generation: z.int(),
      shard: z.int(),
      cursor: z.optional(z.string()),
    }),
  ]),
);
export type PlannerMessage = z.infer<typeof PlannerMessage>;

export const SendBatch = lazy(() =>
  z.object({
    tenantId: z.string(),
    mailingId: z.string(),
    contactIds: z.array(z.string()).check(z.minLength(1), z.maxLength(SEND_BATCH)),
  }),
);
export type SendBatch = z.infer<typeof SendBatch>;

/** The first messages of a mailing (started) or of its new generation (resumed). */
export function plannerStart(ctx: TenantContext, mailing: Mailing, resumed: boolean): PlannerMessage[] {
  const base = { tenantId: ctx.tenantId, mailingId: mailing.id };
  return [
    ...(mailing.plan.complete || !mailing.plan.position
      ? []
      : [{ phase: 'audience' as const, ...base, step: mailing.plan.step, position: mailing.plan.position }]),
    ...(resumed ? [{ phase: 'requeue' as const, ...base, generation: mailing.generation, shard: 0 }] : []),
  ];
}

export async function enqueuePlanner(messages: PlannerMessage[]): Promise<void> {
  if (messages.length) await sendMessages(PLAN_QUEUE, messages);
}

/** Enqueues send batches of at most SEND_BATCH recipients, each of one shard. */
export async function sendBatches(
  ctx: TenantContext,
  mailingId: string,
  contactIds: string[],
): Promise<number> {
  const byShard = new Map<number, string[]>();
  for (const id of contactIds) byShard.set(shardOf(id), [...(byShard.get(shardOf(id)) ?? []), id]);
  const batches: SendBatch[] = [];
  for (const ids of byShard.values())
    for (let i = 0; i < ids.length; i += SEND_BATCH)
      batches.push({ tenantId: ctx.tenantId, mailingId, contactIds: ids.slice(i, i + SEND_BATCH) });
  await sendMessages(SEND_QUEUE, batches);
  return batches.length;
}

class RecordsMoved extends ConflictError {}

/** Writes `queued` records for new recipients, counted per shard in the same transactions. */
async function writeRecords(ctx: TenantContext, mailingId: string, contactIds: string[]): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const byShard = new Map<number, string[]>();
  for (const id of contactIds) byShard.set(shardOf(id), [...(byShard.get(shardOf(id)) ?? []), id]);
  await Promise.all(
    [...byShard].map(async ([shard, ids]) => {
      for (let i = 0; i < ids.length; i += 99) {
        const chunk = ids.slice(i, i + 99);
        const uow = unitOfWork(ctx);
        for (const id of chunk)
          uow.put(newSendItem(ctx, mailingId, id, now), {
            condition: notExists,
            onConditionFailed: () => new RecordsMoved('Another planner wrote these records.'),
          });
        countInto(uow, ctx, mailingId, shard, { recipients: chunk.length }, 'sender');
        await uow.commit();
      }
    }),
  );
}

export interface StepOutcome {
  status: 'planned' | 'completed' | 'ignored';
  recipients?: number;
  batches?: number;
}

/** One page of the audience: records, send batches, and the next step. */
export async function planStep(
  ctx: TenantContext,
  message: Extract<PlannerMessage, { phase: 'audience' }>,
): Promise<StepOutcome> {
  const mailing = await findMailing(ctx, message.mailingId, true);
  if (!mailing || mailing.status === 'cancelled' || mailing.status === 'sent') return { status: 'ignored' };
  const topic = mailing.topicId ? await findTopic(ctx, mailing.topicId) : undefined;
  const plan = await planAudience(ctx, mailing.audience, mailing.topicId);
  const page = await audiencePage(ctx, plan, message.position, PLAN_PAGE);
  await announceNext(ctx, mailing, message, page.next);

  let { eligible } = await eligibleAmong(ctx, page.members, {
    category: mailing.category,
    topic: topic ?? (mailing.topicId ? { id: mailing.topicId, defaultStatus: 'unsubscribed' } : undefined),
  });
  const kind = kindOf(mailing.kind);
  if (kind.filter && eligible.length) eligible = await kind.filter(ctx, mailing, eligible);
  const ids = [...new Set(eligible.map((d) => d.id))];
  const existing = new Map(
    (
      await getItems(
        ctx,
        ids.map((id) => sendKey(ctx, mailing.id, id)),
      )
    ).map((item) => [String(item.contactId), String(item.status)]),
  );
  const fresh = ids.filter((id) => !existing.has(id));
  if (fresh.length) await writeRecords(ctx, mailing.id, fresh);
  const toSend = ids.filter((id) => !existing.has(id) || existing.get(id) === 'queued');
  const batches = toSend.length ? await sendBatches(ctx, mailing.id, toSend) : 0;

  await unitOfWork(ctx)
    .update(mailingKeys.mailing(ctx.tenantId, mailing.id), {
      addToSet: { pagesDone: [String(message.step)] },
    })
    .commit();
  const status = await settleMailing(ctx, mailing.id);
  return { status: status === 'sent' ? 'completed' : 'planned', recipients: fresh.length, batches };
}

/**
 * Moves the plan past this page and enqueues the next one, unless another delivery of this page
 * did (then it makes sure the next message exists) or the mailing is not sending.
 */
async function announceNext(
  ctx: TenantContext,
  mailing: Mailing,
  message: Extract<PlannerMessage, { phase: 'audience' }>,
  next: AudiencePosition | undefined,
): Promise<void> {
  if (mailing.status !== 'sending') return;
  const base = { phase: 'audience' as const, tenantId: ctx.tenantId, mailingId: mailing.id };
  if (mailing.plan.step === message.step + 1 && !mailing.plan.complete && mailing.plan.position) {
    await enqueuePlanner([{ ...base, step: mailing.plan.step, position: mailing.plan.position }]);
    return;
  }
  if (mailing.plan.step !== message.step || mailing.plan.complete) return;
  try {
    await unitOfWork(ctx)
      .update(mailingKeys.mailing(ctx.tenantId, mailing.id), {
        set: { plan: { step: message.step + 1, ...(next ? { position: next } : {}), complete: !next } },
        condition: (e) => `${e.name('plan.step')} = ${e.value(message.step)}`,
        onConditionFailed: () => new RecordsMoved('Another delivery announced the next page.'),
      })
      .commit();
  } catch (error) {
    if (error instanceof RecordsMoved) return;
    throw error;
  }
  if (next) await enqueuePlanner([{ ...base, step: message.step + 1, position: next }]);
}

/** One page of one shard's records still queued, enqueued again after a resume. */
export async function requeueStep(
  ctx: TenantContext,
  message: Extract<PlannerMessage, { phase: 'requeue' }>,
): Promise<StepOutcome> {
  const mailing = await findMailing(ctx, message.mailingId, true);
  if (mailing?.status !== 'sending' || mailing.generation !== message.generation)
    return { status: 'ignored' };
  const page = await queryPage(
    ctx,
    {
      partition: mailingKeys.shard(ctx.tenantId, mailing.id, message.shard),
      sort: { beginsWith: 'SEND#' },
      filter: (e) => `${e.name('status')} = ${e.value('queued')}`,
      filterFingerprint: 'queued',
      consistent: true,
    },
    { limit: PLAN_PAGE, cursor: message.cursor },
    (item) => String(item.contactId),
  );
  const batches = page.items.length ? await sendBatches(ctx, mailing.id, page.items) : 0;
  if (page.nextCursor) await enqueuePlanner([{ ...message, cursor: page.nextCursor }]);
  else if (message.shard + 1 < SEND_SHARDS)
    await enqueuePlanner([{ ...message, shard: message.shard + 1, cursor: undefined }]);
  else {
    await settleMailing(ctx, mailing.id);
    return { status: 'completed', batches };
  }
  return { status: 'planned', batches };
}
