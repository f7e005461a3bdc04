import { FACT_COLUMNS, type FactColumn } from '../../events/facts.ts';

/**
 * The warehouse's one table of facts: one row per domain event (and per SES event), immutable,
 * partitioned by tenant and UTC day. Columns are the envelope below plus the catalog's vocabulary
 * (events/facts.ts). The same definition makes the Glue table on AWS, the Parquet schema of the
 * local Firehose and the backfill, and the views of the local Athena.
 */
export type ColumnType = 'string' | 'int' | 'bigint' | 'timestamp' | 'array<string>' | 'array<bigint>';

export interface Column {
  name: string;
  type: ColumnType;
}

export const ENVELOPE_COLUMNS: readonly Column[] = [
  { name: 'event_id', type: 'string' },
  { name: 'event_type', type: 'string' },
  { name: 'module', type: 'string' },
  { name: 'occurred_at', type: 'timestamp' },
  { name: 'ingested_at', type: 'timestamp' },
];

/** Set only on rows kept aside under `rejected/`: why the event could not become a fact. */
export const REJECTION_COLUMN: Column = { name: 'rejection', type: 'string' };

export const FACT_TABLE_COLUMNS: readonly Column[] = [
  ...ENVELOPE_COLUMNS,
  ...Object.entries(FACT_COLUMNS).map(([name, type]) => ({ name, type })),
  REJECTION_COLUMN,
];

export type FactValue = string | number | null | string[] | number[];
/** A row as the transformation emits it: timestamps as epoch milliseconds. */
export type FactRow = Partial<
  Record<
    FactColumn | 'event_id' | 'event_type' | 'module' | 'occurred_at' | 'ingested_at' | 'rejection',
    FactValue
  >
>;

/** Where things live in the warehouse bucket. */
export const LAYOUT = {
  /** `facts/tenant=<id>/dt=<yyyy-mm-dd>/<file>.parquet`: the table. */
  facts: 'facts/',
  /** Same layout and schema, for events that could not become facts, with the reason. */
  rejected: 'rejected/',
  /** Firehose's own error output (a transformation that failed, a row Parquet refused). */
  errors: 'errors/',
  /** Query results the Athena workgroup writes. */
  queryResults: 'query-results/',
} as const;

export const FACTS_TABLE = 'facts';
export const TENANT_PARTITION = 'tenant';
export const DAY_PARTITION = 'dt';

/** `tenant=<id>/dt=<day>/` under `facts/`, as both Firehose and the backfill write it. */
export function factsPrefix(tenantId: string, day: string): string {
  return `${LAYOUT.facts}${TENANT_PARTITION}=${tenantId}/${DAY_PARTITION}=${day}/`;
}

/** The delivery stream's prefix: the area, tenant and day come from the transformation. */
export const DELIVERY_PREFIX =
  '!{partitionKeyFromLambda:area}/tenant=!{partitionKeyFromLambda:tenant}/dt=!{partitionKeyFromLambda:dt}/';
export const ERROR_PREFIX = `${LAYOUT.errors}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;

/** Objects the backfill writes start with this, Firehose's never do (an erasure rewrites in place). */
export const BACKFILL_FILE_PREFIX = 'backfill-';
