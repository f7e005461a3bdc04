import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { ulid } from 'ulidx';
import { newId } from '../../shared/platform/ids.ts';

/**
 * Seeded synthetic histories with planted answers for the analytics tests. Facts are written the
 * way the backfill writes history (Parquet files of the facts table, per tenant and day, in the
 * local S3), so the analyses read them through the same compiler, local Athena and DuckDB as any
 * other fact; the seed makes every run the same data set.
 */
export interface Order {
  contactId: string;
  at: Date;
  /** Minor units, EUR. */
  amount: number;
  products?: string[];
}

export function seeded(seed: number) {
  const generator = xoroshiro128plus(seed);
  const int = (min: number, max: number) => uniformInt(generator, min, max);
  return {
    int,
    /**
     * A ULID drawn from the seed. Models split training from test contacts by a hash of the contact
     * id, so random ids would hold out different contacts each run and move the measured AUC.
     */
    id: () => ulid(Date.UTC(2026, 0, 1), () => int(0, 0x7fff_ffff) / 0x8000_0000),
    chance: (p: number) => int(0, 9999) < p * 10_000,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!,
  };
}

export const DAY = 86_400_000;
export const daysBefore = (asOf: Date, days: number) => new Date(asOf.getTime() - days * DAY);

/** Writes fact rows of the tenant (columns of the facts table), one Parquet file per day. */
export async function writeFactRows(
  s3Url: string,
  tenantId: string,
  rows: ReadonlyArray<Record<string, unknown> & { event_type: string; occurred_at: number }>,
): Promise<void> {
  // Loaded after the runtime started: these modules read its configuration when they load.
  const [{ writeFacts }, { factsPrefix, BACKFILL_FILE_PREFIX }, { bucketName }] = await Promise.all([
    import('../../shared/warehouse/parquet.ts'),
    import('../../shared/warehouse/schema.ts'),
    import('../../shared/platform/buckets.ts'),
  ]);
  const s3 = new S3Client({
    endpoint: s3Url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const byDay = new Map<string, Array<Record<string, unknown>>>();
  for (const row of rows) {
    const day = new Date(row.occurred_at).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), { event_id: newId(), ingested_at: row.occurred_at, ...row }]);
  }
  for (const [day, dayRows] of byDay)
    await s3.send(
      new PutObjectCommand({
        Bucket: bucketName('warehouse'),
        Key: `${factsPrefix(tenantId, day)}${BACKFILL_FILE_PREFIX}seed-${newId()}.parquet`,
        Body: await writeFacts(dayRows),
      }),
    );
  s3.destroy();
}

/** The orders as `OrderPlaced` facts. */
export function orderRows(orders: readonly Order[]) {
  return orders.map((o) => {
    const products = o.products ?? [];
    return {
      event_type: 'OrderPlaced',
      module: 'funnel.sales',
      occurred_at: o.at.getTime(),
      contact_id: o.contactId,
      order_id: newId(),
      amount: o.amount,
      currency: 'EUR',
      line_product_ids: products,
      line_categories: products.map(() => ''),
      line_quantities: products.map(() => 1),
      line_amounts: products.map(() => Math.round(o.amount / Math.max(1, products.length))),
    };
  });
}

export async function writeOrderFacts(
  s3Url: string,
  tenantId: string,
  orders: readonly Order[],
): Promise<void> {
  await writeFactRows(s3Url, tenantId, orderRows(orders));
}

/**
 * Runs the daily analysis (RFM, basket, forecast, models) of every tenant as of `asOf`, through the
 * local scheduler, and answers what it did for one tenant.
 */
export async function runAnalyticsDaily(apiUrl: string, tenantId: string, asOf: Date): Promise<any> {
  const response = await fetch(`${apiUrl}/_local/schedules/analytics-daily/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ asOf: asOf.toISOString() }),
  });
  const body = (await response.json()) as { runs: Array<{ name: string; result: any }> };
  if (response.status !== 200) throw new Error(`The daily analysis failed: ${JSON.stringify(body)}`);
  return body.runs.find((r) => r.name === `analytics-daily-${tenantId}`)!.result;
}
