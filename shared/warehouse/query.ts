import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import * as z from 'zod/mini';
import { readEnv, required } from '../platform/config.ts';
import { lazy } from '../platform/lazy.ts';

/**
 * Queries on the warehouse through Athena's API: the workgroup (which enforces the result
 * location, its encryption and the per-query bytes-scanned limit), the catalog database, and SQL
 * whose dialect the configuration names (Athena's Trino on AWS, DuckDB behind the local runtime's
 * Athena). SQL comes from the compiler only; values travel as parameters (ExecutionParameters),
 * never inside the text.
 */
const env = readEnv({
  WAREHOUSE_DATABASE: required(),
  ATHENA_WORKGROUP: required(),
  WAREHOUSE_SQL_DIALECT: lazy(() => z.enum(['athena', 'duckdb'])),
});

export const warehouseDatabase = env.WAREHOUSE_DATABASE;
export const sqlDialect = env.WAREHOUSE_SQL_DIALECT;
export type SqlDialect = typeof env.WAREHOUSE_SQL_DIALECT;

const client = new AthenaClient({});

export type Parameter = string | number;
export type Value = string | number | null | string[];

export interface QueryResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, Value>>;
  bytesScanned: number;
}

export type QueryState =
  | { state: 'running' }
  | { state: 'succeeded'; bytesScanned: number }
  | { state: 'failed'; reason: string };

/** A failure of the query itself (not of the request): the compiler produced something wrong. */
export class QueryFailed extends Error {
  override name = 'QueryFailed';
}

/** Athena's parameters are SQL literals: text quoted (quotes doubled), whole numbers as they are. */
export function literal(value: Parameter): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`Query parameters are whole numbers: ${value}`);
    return String(value);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

export async function startQuery(sql: string, parameters: Parameter[]): Promise<string> {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: env.ATHENA_WORKGROUP,
      QueryExecutionContext: { Database: env.WAREHOUSE_DATABASE },
      ...(parameters.length ? { ExecutionParameters: parameters.map(literal) } : {}),
    }),
  );
  if (!QueryExecutionId) throw new Error('Athena started a query without an id.');
  return QueryExecutionId;
}

export async function queryState(id: string): Promise<QueryState> {
  const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
  const status = QueryExecution?.Status;
  switch (status?.State) {
    case 'SUCCEEDED':
      return { state: 'succeeded', bytesScanned: QueryExecution?.Statistics?.DataScannedInBytes ?? 0 };
    case 'FAILED':
    case 'CANCELLED':
      return { state: 'failed', reason: status.StateChangeReason ?? status.State };
    default:
      return { state: 'running' };
  }
}

/** Every row of a finished query, typed from Athena's text by the column types. */
export async function queryResult(id: string, bytesScanned: number): Promise<QueryResult> {
  let columns: QueryResult['columns'] = [];
  const rows: QueryResult['rows'] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page: GetQueryResultsCommandOutput = await client.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1000, NextToken: token }),
    );
    if (first)
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({
        name: c.Name ?? '',
        type: c.Type ?? 'varchar',
      }));
    const data = page.ResultSet?.Rows ?? [];
    // The first row of the first page is the header.
    for (const row of first ? data.slice(1) : data) {
      const record: Record<string, Value> = {};
      columns.forEach((column, i) => {
        record[column.name] = typed(row.Data?.[i]?.VarCharValue, column.type);
      });
      rows.push(record);
    }
    first = false;
    token = page.NextToken;
  } while (token);
  return { columns, rows, bytesScanned };
}

function typed(text: string | undefined, type: string): Value {
  if (text === undefined) return null;
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
    case 'tinyint':
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(text);
    case 'array':
      return text === '[]' ? [] : text.slice(1, -1).split(', ');
    default:
      return text;
  }
}

/**
 * How long to wait between two looks at a running query: soon at first (most reports take well
 * under a second), then every quarter of a second, so an answer waits at most that long for us.
 */
function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(250, 10 * 2 ** attempt)));
}

/**
 * Runs a query and waits up to `waitMs` for it: its result, or its id to look at later (a report
 * answers 202 with a place to poll). Throws QueryFailed when the query itself failed.
 */
export async function runQuery(
  sql: string,
  parameters: Parameter[],
  options: { waitMs: number },
): Promise<{ done: true; result: QueryResult } | { done: false; queryId: string }> {
  const queryId = await startQuery(sql, parameters);
  // Asked not to wait (Prefer: respond-async): the caller polls, even for a query that is quick.
  if (options.waitMs <= 0) return { done: false, queryId };
  const deadline = Date.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    const state = await queryState(queryId);
    if (state.state === 'succeeded')
      return { done: true, result: await queryResult(queryId, state.bytesScanned) };
    if (state.state === 'failed') throw new QueryFailed(state.reason);
    if (Date.now() >= deadline) return { done: false, queryId };
    await pause(attempt);
  }
}
