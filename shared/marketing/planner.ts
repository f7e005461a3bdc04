import * as z from 'zod/mini';
import { sendMessages } from '../platform/aws/queues.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItems, queryPage, unitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { audiencePage, eligibleAmong, planAudience } from './audience.ts';
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
 * A message names its step. The step commits by moving the mailing's plan to the next step
 * (conditional on the step it read), then enqueues the next message. A crash before the commit
 * repeats the step on redelivery: records already written are not written again (nor counted),
 * and those still queued are enqueued again, which the senders' claims make harmless. A crash
 * after the commit but before the next message is enqueued is repaired by the redelivered message
 * of the previous step, which enqueues the missing one.
 *
 * After a resume, `requeue` messages walk the send records of each shard and enqueue those still
 * queued (their batches were dropped while the mailing was paused).
 */

export const PlannerMessage = z.discriminatedUnion('phase', [
  z.object({
    phase: z.literal('audience'),
    tenantId: z.string(),
    mailingId: z.string(),
    generation: z.int(),
    step: z.int(),
  }),
  z.object({
    phase: z.literal('requeue'),
    tenantId: z.string(),
    mailingId: z.string(),
    generation: z.int(),
    shard: z.int(),
    cursor: z.optional(z.string()),
  }),
]);
export type PlannerMessage = z.infer<typeof PlannerMessage>;

export const SendBatch = z.object({
  tenantId: z.string(),
  mailingId: z.string(),
  contactIds: z.array(z.string()).check(z.minLength(1), z.maxLength(SEND_BATCH)),
});
export type SendBatch = z.infer<typeof SendBatch>;

/** The first messages of a mailing (started) or of its new generation (resumed). */
export function plannerStart(ctx: TenantContext, mailing: Mailing, resumed: boolean): PlannerMessage[] {
  const base = { tenantId: ctx.tenantId, mailingId: mailing.id, generation: mailing.generation };
  return [
    ...(mailing.plan.complete ? [] : [{ phase: 'audience' as const, ...base, step: mailing.plan.step }]),
    ...(resumed ? [{ phase: 'requeue' as const, ...base, shard: 0 }] : []),
  ];
}

export async function enqueuePlanner(messages: PlannerMessage[]): Promise<void> {
  if (messages.length) await sendMessages(PLAN_QUEUE, messages);
}

async function enqueueSends(ctx: TenantContext, mailingId: string, contactIds: string[]): Promise<number> {
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
        countInto(uow, ctx, mailingId, shard, { recipients: chunk.length });
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
  if (mailing?.status !== 'sending' || mailing.generation !== message.generation)
    return { status: 'ignored' };
  if (message.step < mailing.plan.step) {
    // The step after this one may never have been enqueued (a crash after the commit).
    if (message.step === mailing.plan.step - 1 && !mailing.plan.complete)
      await enqueuePlanner(plannerStart(ctx, mailing, false));
    return { status: 'ignored' };
  }
  if (message.step > mailing.plan.step || mailing.plan.complete || !mailing.plan.position)
    return { status: 'ignored' };

  const topic = mailing.topicId ? await findTopic(ctx, mailing.topicId) : undefined;
  const plan = await planAudience(ctx, mailing.audience, mailing.topicId);
  const page = await audiencePage(ctx, plan, mailing.plan.position, PLAN_PAGE);
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
  const batches = toSend.length ? await enqueueSends(ctx, mailing.id, toSend) : 0;

  const complete = page.next === undefined;
  try {
    await unitOfWork(ctx)
      .update(mailingKeys.mailing(ctx.tenantId, mailing.id), {
        set: { plan: { step: message.step + 1, ...(page.next ? { position: page.next } : {}), complete } },
        condition: (e) =>
          `${e.name('plan.step')} = ${e.value(message.step)} AND ${e.name('generation')} = ${e.value(message.generation)}`,
        onConditionFailed: () => new RecordsMoved('Another planner moved the plan.'),
      })
      .commit();
  } catch (error) {
    if (error instanceof RecordsMoved) return { status: 'ignored' };
    throw error;
  }
  if (!complete) {
    await enqueuePlanner([{ ...message, step: message.step + 1 }]);
    return { status: 'planned', recipients: fresh.length, batches };
  }
  await settleMailing(ctx, mailing.id);
  return { status: 'completed', recipients: fresh.length, batches };
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
  const batches = page.items.length ? await enqueueSends(ctx, mailing.id, page.items) : 0;
  if (page.nextCursor) await enqueuePlanner([{ ...message, cursor: page.nextCursor }]);
  else if (message.shard + 1 < SEND_SHARDS)
    await enqueuePlanner([{ ...message, shard: message.shard + 1, cursor: undefined }]);
  else {
    await settleMailing(ctx, mailing.id);
    return { status: 'completed', batches };
  }
  return { status: 'planned', batches };
}
