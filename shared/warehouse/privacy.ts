import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { contactBecame, contactsMergedInto } from '../contacts/tombstones.ts';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import { localDateTime } from '../tasks/local-time.ts';
import { scheduleOnce } from '../tasks/one-time.ts';
import { readFacts, writeFacts } from './parquet.ts';
import { runQuery, warehouseDatabase } from './query.ts';
import { FACTS_TABLE } from './schema.ts';

/**
 * Erasure in the warehouse: the facts of an erased contact (and of the contacts merged into it)
 * are rewritten without their id (and without the demographic bands of their profile facts), file
 * by file, so no report, export or query can find them; what they did still counts, anonymously.
 * A merge rewrites the duplicate's facts the same way, to the kept contact's id. Facts still in Firehose's buffer
 * when the contact is erased are anonymized at ingest (the contact's erasure tombstone, enrich.ts)
 * and, in case one slipped past, by a second sweep once the longest buffer has flushed.
 */
const warehouseBucket = bucketName('warehouse');

/** Firehose holds records at most 900 s; the sweep runs well after. */
export const SWEEP_DELAY_MINUTES = 20;
export const ERASURE_SWEEP_SCHEDULE = 'warehouse-erasure-sweep';
export const MERGE_SWEEP_SCHEDULE = 'warehouse-merge-sweep';

const PROFILE_COLUMNS = ['gender', 'age_band', 'income_band'] as const;

/** Every facts object holding one of these contact ids: the tenant's partition only, all days. */
async function filesWith(ctx: TenantContext, contactIds: readonly string[]): Promise<string[]> {
  const sql = `SELECT DISTINCT "$path" AS path FROM "${warehouseDatabase}"."${FACTS_TABLE}" WHERE tenant = ? AND contact_id IN (${contactIds.map(() => '?').join(', ')})`;
  const answer = await runQuery(sql, [ctx.tenantId, ...contactIds], { waitMs: 10 * 60 * 1000 });
  if (!answer.done)
    throw new Error(`Finding the facts of ${contactIds.join(', ')} took too long; it will be retried.`);
  const prefix = `s3://${warehouseBucket}/`;
  return answer.result.rows
    .map((r) => String(r.path))
    .filter((p) => p.startsWith(prefix))
    .map((p) => p.slice(prefix.length));
}

/**
 * Rewrites the facts of these contacts, file by file: their id becomes `into`, or, with `into`
 * null, goes (with the demographic bands of their profile facts).
 */
async function rewriteContacts(
  ctx: TenantContext,
  contactIds: readonly string[],
  into: string | null,
): Promise<{ files: number; rows: number }> {
  let rows = 0;
  const ids = new Set(contactIds);
  const keys = await filesWith(ctx, contactIds);
  for (const key of keys) {
    // Only the tenant's own objects: the query named the tenant, the key must too.
    if (!key.startsWith(`facts/tenant=${ctx.tenantId}/`)) continue;
    const object = await s3.send(new GetObjectCommand({ Bucket: warehouseBucket, Key: key }));
    const facts = await readFacts(Buffer.from(await object.Body!.transformToByteArray()));
    let changed = 0;
    for (const fact of facts) {
      if (typeof fact.contact_id !== 'string' || !ids.has(fact.contact_id)) continue;
      fact.contact_id = into;
      if (into === null) for (const column of PROFILE_COLUMNS) fact[column] = null;
      changed++;
    }
    if (changed === 0) continue;
    // If-Match: a file rewritten meanwhile (another erasure in it) is read again on the next try.
    await s3.send(
      new PutObjectCommand({
        Bucket: warehouseBucket,
        Key: key,
        Body: await writeFacts(facts),
        ContentType: 'application/vnd.apache.parquet',
        ...(object.ETag ? { IfMatch: object.ETag } : {}),
      }),
    );
    rows += changed;
  }
  return { files: keys.length, rows };
}

/**
 * Anonymizes the contact's facts, and those of every contact merged into it: a merge rewrites the
 * duplicate's facts to the kept contact, but facts that reached the warehouse before that rewrite
 * could (or before merges were rewritten at all) still hold the duplicate's id, the same person's.
 */
export async function anonymizeContact(
  ctx: TenantContext,
  contactId: string,
): Promise<{ files: number; rows: number }> {
  return rewriteContacts(ctx, [contactId, ...(await contactsMergedInto(ctx, contactId))], null);
}

/**
 * A merge: the duplicate's facts become the facts of the contact it became, so every analysis
 * (RFM, propensity, basket) counts one customer, the one that exists. Resolved through the merge
 * tombstones at the time of the rewrite: a kept contact merged on or erased since is followed.
 */
export async function mergeContactFacts(
  ctx: TenantContext,
  duplicateId: string,
): Promise<{ files: number; rows: number }> {
  const became = await contactBecame(ctx, duplicateId);
  if (became.id === duplicateId && !became.erased) return { files: 0, rows: 0 };
  return rewriteContacts(ctx, [duplicateId], became.erased ? null : became.id);
}

/** Rewrites the duplicate's facts now, and once more after Firehose has flushed what it held. */
export async function mergeInWarehouse(ctx: TenantContext, duplicateId: string): Promise<void> {
  await mergeContactFacts(ctx, duplicateId);
  await sweepLater(ctx, MERGE_SWEEP_SCHEDULE, duplicateId, `the merge of contact ${duplicateId}`);
}

async function sweepLater(ctx: TenantContext, schedule: string, contactId: string, what: string) {
  const at = new Date(ctx.clock.now().getTime() + SWEEP_DELAY_MINUTES * 60_000);
  await scheduleOnce(ctx, {
    name: `${schedule}-${contactId}`,
    local: localDateTime(at, 'UTC'),
    timeZone: 'UTC',
    target: 'warehouse-privacy',
    schedule,
    payload: { contactId },
    description: `Second pass of the warehouse rewrite of ${what}`,
  });
}

/** Anonymizes now, and once more after Firehose has flushed whatever it was holding. */
export async function eraseFromWarehouse(ctx: TenantContext, contactId: string): Promise<void> {
  await anonymizeContact(ctx, contactId);
  await sweepLater(ctx, ERASURE_SWEEP_SCHEDULE, contactId, `the erasure of contact ${contactId}`);
}
