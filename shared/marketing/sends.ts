import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { TenantContext } from '../platform/context.ts';
import { tableName } from '../platform/db/client.ts';
import { type ItemKey, tenantPrefix } from '../platform/db/keys.ts';
import type { Item, UnitOfWork } from '../platform/db/repository.ts';
import {
  COUNTER_SLOTS,
  COUNTER_WRITERS,
  type CounterWriter,
  mailingKeys,
  SEND_SHARDS,
  shardOf,
} from './keys.ts';
import { COUNT_NAMES, type CountName, type Counts } from './mailing-types.ts';

/**
 * Send records: one per (mailing, contact), `SEND#<contactId>` in one of SEND_SHARDS partitions of
 * the mailing. The record is the exactly-once guard (written `queued` by the planner with
 * `attribute_not_exists`, claimed `sending` with a condition before the email goes out) and holds
 * what happened to the email (SES message id, delivery, bounce, complaint, open, click).
 *
 * Counters live beside the records, COUNTER_SLOTS items per shard and writer, and move in the
 * transaction that changes a record, so statistics are exact and never count records.
 */
/** Where a recipient's email is: the claim's progress, then what SES reported, most telling first. */
export const SEND_STATES = [
  'complained',
  'bounced',
  'rejected',
  'clicked',
  'opened',
  'delivered',
  'soft_bounced',
  'sent',
  'failed',
  'skipped',
  'sending',
  'queued',
] as const;
export type SendState = (typeof SEND_STATES)[number];

const MILESTONE_OF: Partial<Record<SendState, string>> = {
  complained: 'complainedAt',
  bounced: 'bouncedAt',
  rejected: 'rejectedAt',
  clicked: 'clickedAt',
  opened: 'openedAt',
  delivered: 'deliveredAt',
  soft_bounced: 'softBouncedAt',
};

/**
 * A record's `status` is the claim's progress (queued, sending, sent, failed, skipped); what SES
 * reported afterwards is a timestamp per milestone. The state shown is the most telling of both.
 */
export function sendState(record: Item): SendState {
  for (const state of SEND_STATES) {
    const milestone = MILESTONE_OF[state];
    if (milestone ? record[milestone] : record.status === state) return state;
  }
  return 'queued';
}

export function sendKey(ctx: TenantContext, mailingId: string, contactId: string): ItemKey {
  return mailingKeys.send(ctx.tenantId, mailingId, contactId);
}

export function newSendItem(ctx: TenantContext, mailingId: string, contactId: string, at: string): Item {
  return {
    ...sendKey(ctx, mailingId, contactId),
    entity: 'MailingSend',
    mailingId,
    contactId,
    status: 'queued',
    queuedAt: at,
  };
}

/**
 * Adds `deltas` to one of the writer's counter items in the contact's shard, in the caller's
 * transaction.
 */
export function countInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  mailingId: string,
  contactIdOrShard: string | number,
  deltas: Partial<Counts>,
  writer: CounterWriter,
): void {
  const add = Object.fromEntries(Object.entries(deltas).filter(([, v]) => v !== 0)) as Record<string, number>;
  if (Object.keys(add).length === 0) return;
  const shard = typeof contactIdOrShard === 'number' ? contactIdOrShard : shardOf(contactIdOrShard);
  const slot = COUNTER_WRITERS.indexOf(writer) * COUNTER_SLOTS + Math.floor(Math.random() * COUNTER_SLOTS);
  uow.update(mailingKeys.counter(ctx.tenantId, mailingId, shard, slot), {
    set: { entity: 'MailingCounter', mailingId },
    add,
  });
}

/** BatchGetItem with strongly consistent reads (completion must see every committed count). */
export async function consistentItems(ctx: TenantContext, keys: ItemKey[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let pending: ItemKey[] | undefined = keys.slice(start, start + 100);
    for (const key of pending)
      if (!key.PK.startsWith(tenantPrefix(ctx.tenantId))) throw new Error(`Refusing to read ${key.PK}.`);
    for (let attempt = 0; pending?.length && attempt < 8; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const result = await ctx.db.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys as ItemKey[] | undefined;
    }
    if (pending?.length) throw new Error(`BatchGet left ${pending.length} keys unprocessed.`);
  }
  return found;
}

export const zeroCounts = (): Counts => Object.fromEntries(COUNT_NAMES.map((n) => [n, 0])) as Counts;

/** The mailing's counters, summed over every counter item (one consistent batch read). */
export async function readCounts(ctx: TenantContext, mailingId: string): Promise<Counts> {
  const keys: ItemKey[] = [];
  for (let shard = 0; shard < SEND_SHARDS; shard++)
    for (let slot = 0; slot < COUNTER_WRITERS.length * COUNTER_SLOTS; slot++)
      keys.push(mailingKeys.counter(ctx.tenantId, mailingId, shard, slot));
  const counts = zeroCounts();
  for (const item of await consistentItems(ctx, keys))
    for (const name of COUNT_NAMES) counts[name] += Number(item[name as CountName] ?? 0);
  return counts;
}

/** Recipients handled one way or another: the mailing is done when this reaches `recipients`. */
export const processed = (counts: Counts) => counts.sent + counts.failed + counts.skipped;
