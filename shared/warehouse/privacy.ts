import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import { localDateTime } from '../tasks/local-time.ts';
import { scheduleOnce } from '../tasks/one-time.ts';
import { readFacts, writeFacts } from './parquet.ts';
import { runQuery, warehouseDatabase } from './query.ts';
import { FACTS_TABLE } from './schema.ts';

/**
 * Erasure in the warehouse: the facts of an erased contact are rewritten without their id (and
 * without the demographic bands of their profile facts), file by file, so no report, export or
 * query can find them; what they did still counts, anonymously. Facts still in Firehose's buffer
 * when the contact is erased are anonymized at ingest (the contact's erasure tombstone, enrich.ts)
 * and, in case one slipped past, by a second sweep once the longest buffer has flushed.
 */
const warehouseBucket = bucketName('warehouse');

/** Firehose holds records at most 900 s; the sweep runs well after. */
export const SWEEP_DELAY_MINUTES = 20;
export const ERASURE_SWEEP_SCHEDULE = 'warehouse-erasure-sweep';

const PROFILE_COLUMNS = ['gender', 'age_band', 'income_band'] as const;

/** Every facts object holding the contact's id: the tenant's partition only, all days. */
async function filesWith(ctx: TenantContext, contactId: string): Promise<string[]> {
  const sql = `SELECT DISTINCT "$path" AS path FROM "${warehouseDatabase}"."${FACTS_TABLE}" WHERE tenant = ? AND contact_id = ?`;
  const answer = await runQuery(sql, [ctx.tenantId, contactId], { waitMs: 10 * 60 * 1000 });
  if (!answer.done)
    throw new Error(`Finding the facts of ${contactId} took too long; the erasure will retry.`);
  const prefix = `s3://${warehouseBucket}/`;
  return answer.result.rows
    .map((r) => String(r.path))
    .filter((p) => p.startsWith(prefix))
    .map((p) => p.slice(prefix.length));
}

export async function anonymizeContact(
  ctx: TenantContext,
  contactId: string,
): Promise<{ files: number; rows: number }> {
  let rows = 0;
  const keys = await filesWith(ctx, contactId);
  for (const key of keys) {
    // Only the tenant's own objects: the query named the tenant, the key must too.
    if (!key.startsWith(`facts/tenant=${ctx.tenantId}/`)) continue;
    const object = await s3.send(new GetObjectCommand({ Bucket: warehouseBucket, Key: key }));
    const facts = await readFacts(Buffer.from(await object.Body!.transformToByteArray()));
    let changed = 0;
    for (const fact of facts) {
      if (fact.contact_id !== contactId) continue;
      fact.contact_id = null;
      for (const column of PROFILE_COLUMNS) fact[column] = null;
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

/** Anonymizes now, and once more after Firehose has flushed whatever it was holding. */
export async function eraseFromWarehouse(ctx: TenantContext, contactId: string): Promise<void> {
  await anonymizeContact(ctx, contactId);
  const at = new Date(ctx.clock.now().getTime() + SWEEP_DELAY_MINUTES * 60_000);
  await scheduleOnce(ctx, {
    name: `${ERASURE_SWEEP_SCHEDULE}-${contactId}`,
    local: localDateTime(at, 'UTC'),
    timeZone: 'UTC',
    target: 'warehouse-privacy',
    schedule: ERASURE_SWEEP_SCHEDULE,
    payload: { contactId },
    description: `Second pass of the warehouse erasure of contact ${contactId}`,
  });
}
