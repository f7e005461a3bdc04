import { BatchWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ContactChurnRiskRaised, ContactRfmSegmentChanged } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { tableName } from '../platform/db/client.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { getItems, type Item, outboxItem, queryEach } from '../platform/db/repository.ts';
import { backOff } from '../platform/retry.ts';
import { contactKeys } from './keys.ts';
import { RFM_SEGMENTS, type RfmSegment } from './score-fields.ts';

/**
 * Scores that analytics computes about contacts, kept in each contact's partition beside the
 * contact (`SCORE#RFM`, `SCORE#PROPENSITY#<target>`), never in the contact item itself: a
 * recomputation for 100,000 contacts writes them with BatchWriteItem (no transaction, no
 * read-modify-write of the contact, no clash with a member editing the contact at that moment),
 * and each kind of score replaces only its own item.
 *
 * Analytics builds on contacts and writes through these functions; contacts never imports it.
 * Marketing segments read the items as the fields `rfm.*` and `propensity.<target>`.
 */
export interface RfmScore {
  contactId: string;
  segment: RfmSegment;
  /** Quintile scores within the tenant, 1 (lowest) to 5. */
  recency: number;
  frequency: number;
  monetary: number;
  /** Days since the last order, the number of orders, their total in minor units. */
  daysSinceLastOrder: number;
  orders: number;
  totalSpent: number;
}

export interface PropensityScore {
  contactId: string;
  /** The probability, 0 to 1, that the contact buys the target. */
  score: number;
}

/** Writes in flight at once: enough to keep DynamoDB busy, few enough for one Lambda's sockets. */
const PARALLEL_BATCHES = 16;
const BATCH = 25;
/** Items a Query page asks for: DynamoDB stops at 1 MB first (about three thousand score items). */
const QUERY_PAGE = 5000;

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: { PK: string; SK: string } } };

/** Unprocessed items of a batch are sent again with full-jitter backoff, like the SDK's own retries. */
async function writeBatch(ctx: TenantContext, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  await backOff(
    async () => {
      const result: BatchWriteCommandOutput = await ctx.db.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
      if (pending.length) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed.`);
    },
    { numOfAttempts: 10, startingDelay: 50, timeMultiple: 2, maxDelay: 2000, jitter: 'full' },
  );
}

/**
 * A write request made of each source and sent, in batches of 25, at most PARALLEL_BATCHES at a
 * time from the first batch to the last; each batch's requests are made when it is sent, so a run
 * of 100,000 contacts never holds all its items at once.
 */
async function sendEach<T>(
  ctx: TenantContext,
  sources: readonly T[],
  toRequest: (source: T) => WriteRequest,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < sources.length) {
      const start = next;
      next += BATCH;
      await writeBatch(ctx, sources.slice(start, start + BATCH).map(toRequest));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
}

/** An item made of each source and written (sendEach). */
const putEach = <T>(ctx: TenantContext, sources: readonly T[], toItem: (source: T) => Item) =>
  sendEach(ctx, sources, (source) => ({ PutRequest: { Item: toItem(source) } }));

const deleteAll = (ctx: TenantContext, keys: ReadonlyArray<{ PK: string; SK: string }>) =>
  sendEach(ctx, keys, (Key) => ({ DeleteRequest: { Key } }));

/** Items read in parallel pages of a hundred keys. */
async function readAll(ctx: TenantContext, keys: Array<{ PK: string; SK: string }>): Promise<Item[]> {
  const pages: Array<Array<{ PK: string; SK: string }>> = [];
  for (let i = 0; i < keys.length; i += 100) pages.push(keys.slice(i, i + 100));
  const found: Item[] = [];
  let next = 0;
  const worker = async () => {
    while (next < pages.length) found.push(...(await getItems(ctx, pages[next++]!)));
  };
  await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
  return found;
}

/**
 * What each scored contact's segment was before the run `runId`: the segment of its `SCORE#RFM`
 * item, or the segment that item replaced when this run already wrote it (a retried run). Read by
 * Query of the index of contacts per segment, about three thousand items a request, instead of a
 * BatchGetItem per hundred contacts: the reads no longer cost as much as the writes (and cost an
 * eighth of the read units: a Query is charged by the 4 KB read, a BatchGetItem by the item). The
 * index lags the table by well under a second; the run before was a day ago, and a retried run
 * finds its own writes there seconds later.
 */
async function segmentsBefore(ctx: TenantContext, runId: string): Promise<Map<string, string | undefined>> {
  const before = new Map<string, string | undefined>();
  await Promise.all(
    RFM_SEGMENTS.map(async (segment) => {
      for await (const item of queryEach(
        ctx,
        { index: 'GSI2', partition: contactKeys.byRfmSegment(ctx.tenantId, segment) },
        QUERY_PAGE,
      ))
        before.set(
          String(item.contactId),
          item.runId === runId ? (item.previousSegment as string | undefined) : (item.segment as string),
        );
    }),
  );
  return before;
}

/**
 * A contact's `SCORE#RFM` item as a run writes it, with the segment it replaces (the benchmark
 * writes its floor with the very same items).
 */
export function rfmScoreItem(
  t: TenantId,
  score: RfmScore,
  run: { runId: string; computedAt: string },
  previousSegment: string | undefined,
): Item {
  return {
    ...contactKeys.score(t, score.contactId, 'RFM'),
    entity: 'ContactScore',
    ...score,
    ...(previousSegment ? { previousSegment } : {}),
    ...run,
    GSI2PK: contactKeys.byRfmSegment(t, score.segment),
    GSI2SK: score.contactId,
  };
}

/**
 * Replaces the RFM scores of these contacts. A contact whose segment changed (or who had none)
 * gets `ContactRfmSegmentChanged`, written to the outbox only after every score item was written,
 * under an event id made of the run and the contact: the event exists only for a committed score.
 * The score item keeps the segment it replaced with the run's id, so a run that dies half-way and
 * is run again (same `runId`) still sees what changed and writes the same outbox items again,
 * which the stream does not publish twice (it publishes inserts only). The writes run as one
 * stream of batches, PARALLEL_BATCHES in flight from the first to the last. The scores of contacts
 * the run did not score are removed. Returns how many contacts changed segment and lost their score.
 */
export async function writeRfmScores(
  ctx: TenantContext,
  runId: string,
  scores: readonly RfmScore[],
): Promise<{ written: number; changed: number; removed: number }> {
  const t = ctx.tenantId;
  const computedAt = ctx.clock.now().toISOString();
  const before = await segmentsBefore(ctx, runId);
  await putEach(ctx, scores, (s) => rfmScoreItem(t, s, { runId, computedAt }, before.get(s.contactId)));
  // A contact scored before and not now is no customer any more (its orders were cancelled, it
  // was merged into another or erased): its score goes, so no segment or rule still sees it.
  // Nothing is announced: ContactRfmSegmentChanged names the segment entered, and there is none.
  const scored = new Set(scores.map((s) => s.contactId));
  const left = [...before.keys()].filter((contactId) => !scored.has(contactId));
  await deleteAll(
    ctx,
    left.map((contactId) => contactKeys.score(t, contactId, 'RFM')),
  );
  const moved = scores.filter((s) => before.get(s.contactId) !== s.segment);
  await putEach(ctx, moved, (s) => {
    const previousSegment = before.get(s.contactId);
    return outboxItem(
      ctx,
      ContactRfmSegmentChanged,
      {
        contactId: s.contactId,
        segment: s.segment,
        ...(previousSegment ? { previousSegment } : {}),
        recency: s.recency,
        frequency: s.frequency,
        monetary: s.monetary,
      },
      `rfm-${runId}-${s.contactId}`,
    );
  });
  return { written: scores.length, changed: moved.length, removed: left.length };
}

/**
 * Replaces the scores of one propensity target for these contacts. Scores move daily, so they
 * announce nothing, except for a churn model (`alert`): a contact whose score rises to `alertAt`
 * or above from below it (or from no score) gets `ContactChurnRiskRaised`, written after its score
 * as RFM's events are (same chunks, the previous score kept on the item under the run's id, event
 * id `churn-<runId>-<target>-<contactId>`), so a rerun of the same run announces nothing twice.
 */
export async function writePropensityScores(
  ctx: TenantContext,
  target: string,
  modelId: string,
  scores: readonly PropensityScore[],
  alert?: { runId: string; alertAt: number },
): Promise<{ written: number; alerts?: number }> {
  const t = ctx.tenantId;
  const computedAt = ctx.clock.now().toISOString();
  const kind = `PROPENSITY#${target}`;
  const itemOf = (s: PropensityScore, previousScore?: number): Item => ({
    ...contactKeys.score(t, s.contactId, kind),
    entity: 'ContactScore',
    contactId: s.contactId,
    target,
    score: s.score,
    modelId,
    computedAt,
    ...(alert ? { runId: alert.runId, ...(previousScore !== undefined ? { previousScore } : {}) } : {}),
  });
  // Without an alert nothing depends on the previous scores: one stream of batches, no reads.
  if (!alert) {
    await putEach(ctx, scores, (s) => itemOf(s));
    return { written: scores.length };
  }
  let alerts = 0;
  for (let i = 0; i < scores.length; i += 1000) {
    const chunk = scores.slice(i, i + 1000);
    const before = new Map<string, number | undefined>();
    for (const item of await readAll(
      ctx,
      chunk.map((s) => contactKeys.score(t, s.contactId, kind)),
    ))
      before.set(
        String(item.contactId),
        (item.runId === alert.runId ? item.previousScore : item.score) as number | undefined,
      );
    await putEach(ctx, chunk, (s) => itemOf(s, before.get(s.contactId)));
    const raised = chunk.filter((s) => {
      const previous = before.get(s.contactId);
      return s.score >= alert.alertAt && (previous === undefined || previous < alert.alertAt);
    });
    await putEach(ctx, raised, (s) =>
      outboxItem(
        ctx,
        ContactChurnRiskRaised,
        {
          contactId: s.contactId,
          model: target,
          score: s.score,
          threshold: alert.alertAt,
          ...(before.get(s.contactId) !== undefined ? { previousScore: before.get(s.contactId) } : {}),
        },
        `churn-${alert.runId}-${target}-${s.contactId}`,
      ),
    );
    alerts += raised.length;
  }
  return { written: scores.length, alerts };
}

/**
 * Removes one propensity target's scores from every contact (its model was deleted), walking the
 * contacts' own index (GSI1 by name, never a scan). Deleting a score a contact never had is a no-op,
 * so running it again is harmless.
 */
export async function deletePropensityScores(ctx: TenantContext, target: string): Promise<number> {
  const t = ctx.tenantId;
  let batch: Array<{ PK: string; SK: string }> = [];
  let removed = 0;
  for await (const contact of queryEach(ctx, { index: 'GSI1', partition: contactKeys.byName(t) }, 500)) {
    batch.push(contactKeys.score(t, String(contact.id), `PROPENSITY#${target}`));
    if (batch.length >= 1000) {
      await deleteAll(ctx, batch);
      removed += batch.length;
      batch = [];
    }
  }
  await deleteAll(ctx, batch);
  return removed + batch.length;
}
