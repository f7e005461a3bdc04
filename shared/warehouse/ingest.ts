import { enrichFacts, tenantsGone } from './enrich.ts';
import { toFact } from './facts.ts';
import type { FactRow } from './schema.ts';

/**
 * The warehouse's Firehose transformation: each record (an event as EventBridge delivers it)
 * becomes one JSON row for the table's Parquet conversion, with the partition keys the delivery
 * stream's prefix names: `area` (`facts`, or `rejected` for events kept aside with the reason),
 * `tenant` and `dt` (the UTC day it happened). Every record comes back `Ok` but those of a tenant
 * removed or being removed, which are `Dropped`: what cannot be a fact is a rejection row, not an
 * error. A failure to read dimensions fails
 * the whole invocation, so Firehose retries it and then keeps the batch in its error output.
 */
export interface TransformationRecord {
  recordId: string;
  approximateArrivalTimestamp?: number;
  /** Base64 of the record as it was put (here: an event's JSON). */
  data: string;
}

export interface TransformedRecord {
  recordId: string;
  result: 'Ok' | 'Dropped' | 'ProcessingFailed';
  data: string;
  metadata: { partitionKeys: Record<string, string> };
}

export const UNKNOWN_TENANT = 'unknown';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** JSON for Firehose's Hive JSON SerDe: nulls left out, timestamps as epoch milliseconds. */
export function rowJson(row: FactRow): string {
  const present = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined));
  return `${JSON.stringify(present)}\n`;
}

export async function transformRecords(
  records: TransformationRecord[],
  now: Date,
): Promise<TransformedRecord[]> {
  const mapped = records.map((record) => {
    let event: unknown;
    try {
      event = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
    } catch {
      event = undefined;
    }
    return toFact(event ?? { source: undefined }, now);
  });
  const gone = await tenantsGone(
    mapped.flatMap((m) => (m.tenantId ? [m.tenantId] : [])),
    now,
  );
  await enrichFacts(mapped.flatMap((m) => (m.kind === 'fact' && !gone.has(m.tenantId) ? [m] : [])));
  return records.map((record, i): TransformedRecord => {
    const m = mapped[i]!;
    if (m.tenantId && gone.has(m.tenantId))
      return { recordId: record.recordId, result: 'Dropped', data: '', metadata: { partitionKeys: {} } };
    const occurred = typeof m.row.occurred_at === 'number' ? m.row.occurred_at : now.getTime();
    return {
      recordId: record.recordId,
      result: 'Ok',
      data: Buffer.from(rowJson(m.row)).toString('base64'),
      metadata: {
        partitionKeys: {
          area: m.kind === 'fact' ? 'facts' : 'rejected',
          tenant: m.tenantId ?? UNKNOWN_TENANT,
          dt: day(m.kind === 'fact' ? occurred : now.getTime()),
        },
      },
    };
  });
}
