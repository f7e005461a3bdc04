import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TableSpec } from '../../../functions/app/types.ts';
import { duckType, type LocalDuckDb, sqlName, sqlString } from './duckdb.ts';
import { AwsServiceError } from './errors.ts';
import type { ObjectStore } from './s3-store.ts';

/**
 * Amazon Athena's query API (StartQueryExecution, GetQueryExecution, GetQueryResults,
 * StopQueryExecution) over the embedded DuckDB. Each declared table is a view in the database's
 * schema over the local S3's files (`read_parquet` with Hive partitioning), with Athena's
 * `"$path"` column. Queries run in the background as in Athena; positional `?` parameters arrive
 * as SQL literals (ExecutionParameters), as Athena takes them.
 *
 * The SQL itself is DuckDB's, not Trino's: the query compiler emits the dialect its configuration
 * names (WAREHOUSE_SQL_DIALECT), `duckdb` for this runtime. `DataScannedInBytes` is what the
 * process read from files while the query ran (Linux's /proc/self/io), which is the files and
 * row groups the query could not prune; the workgroup's per-query limit fails a query past it.
 */
export interface LocalAthenaOptions {
  database: string;
  workgroup: string;
  tables: readonly TableSpec[];
  store: ObjectStore;
  duckdb: LocalDuckDb;
  /** Athena's BytesScannedCutoffPerQuery of the workgroup. */
  bytesScannedCutoff?: number;
}

type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface Execution {
  id: string;
  query: string;
  state: State;
  reason?: string;
  submitted: Date;
  completed?: Date;
  bytes: number;
  engineMs: number;
  columns: Array<{ name: string; type: string }>;
  rows: Array<Array<string | null>>;
  done: Promise<void>;
  cancel(): void;
}

/** How long Athena keeps a query's history (45 days); locally, until the process ends, at most this many. */
const KEPT_EXECUTIONS = 1000;

export class LocalAthena {
  readonly #options: LocalAthenaOptions;
  readonly #executions = new Map<string, Execution>();
  #views?: Promise<void>;
  readonly #ready = new Set<string>();

  constructor(options: LocalAthenaOptions) {
    this.#options = options;
  }

  startQueryExecution(input: Record<string, unknown>): { QueryExecutionId: string } {
    const query = input.QueryString;
    if (typeof query !== 'string' || query.trim() === '')
      throw new AwsServiceError('InvalidRequestException', 'QueryString is required.', 400);
    const workgroup = (input.WorkGroup as string | undefined) ?? 'primary';
    if (workgroup !== this.#options.workgroup)
      throw new AwsServiceError('InvalidRequestException', `WorkGroup ${workgroup} is not found.`, 400);
    const database = (input.QueryExecutionContext as { Database?: string } | undefined)?.Database;
    if (database !== undefined && database !== this.#options.database)
      throw new AwsServiceError('InvalidRequestException', `Database ${database} is not found.`, 400);
    const parameters = ((input.ExecutionParameters as unknown[] | undefined) ?? []).map(parseLiteral);
    const id = randomUUID();
    let cancelled = false;
    const execution: Execution = {
      id,
      query,
      state: 'QUEUED',
      submitted: new Date(),
      bytes: 0,
      engineMs: 0,
      columns: [],
      rows: [],
      done: Promise.resolve(),
      cancel: () => {
        cancelled = true;
      },
    };
    execution.done = (async () => {
      execution.state = 'RUNNING';
      const started = Date.now();
      const before = bytesRead();
      try {
        await this.#ensureViews();
        await this.#options.duckdb.with(async (connection) => {
          await connection.run(`SET search_path = ${sqlString(this.#options.database)}`);
          const result = await connection.runAndReadAll(query, parameters as never);
          execution.columns = result.columnNames().map((name, i) => ({
            name,
            type: athenaType(String(result.columnTypes()[i])),
          }));
          execution.rows = result.getRowsJson().map((row) => row.map(varchar));
        });
        execution.bytes = Math.max(0, bytesRead() - before);
        const cutoff = this.#options.bytesScannedCutoff;
        if (cutoff !== undefined && execution.bytes > cutoff)
          throw new Error(`Query exhausted bytes scanned limit of ${cutoff} bytes.`);
        execution.state = cancelled ? 'CANCELLED' : 'SUCCEEDED';
      } catch (error) {
        execution.state = cancelled ? 'CANCELLED' : 'FAILED';
        execution.reason = (error as Error).message;
        execution.rows = [];
      } finally {
        execution.engineMs = Date.now() - started;
        execution.completed = new Date();
      }
    })();
    this.#executions.set(id, execution);
    for (const old of [...this.#executions.keys()].slice(
      0,
      Math.max(0, this.#executions.size - KEPT_EXECUTIONS),
    ))
      this.#executions.delete(old);
    return { QueryExecutionId: id };
  }

  getQueryExecution(input: Record<string, unknown>) {
    const execution = this.#execution(input.QueryExecutionId);
    return {
      QueryExecution: {
        QueryExecutionId: execution.id,
        Query: execution.query,
        StatementType: 'DML',
        WorkGroup: this.#options.workgroup,
        QueryExecutionContext: { Database: this.#options.database, Catalog: 'AwsDataCatalog' },
        ResultConfiguration: { OutputLocation: `s3://local-athena/${execution.id}.csv` },
        Status: {
          State: execution.state,
          SubmissionDateTime: execution.submitted,
          ...(execution.completed ? { CompletionDateTime: execution.completed } : {}),
          ...(execution.reason ? { StateChangeReason: execution.reason } : {}),
        },
        Statistics: {
          DataScannedInBytes: execution.bytes,
          EngineExecutionTimeInMillis: execution.engineMs,
          TotalExecutionTimeInMillis: execution.engineMs,
        },
      },
    };
  }

  getQueryResults(input: Record<string, unknown>) {
    const execution = this.#execution(input.QueryExecutionId);
    if (execution.state !== 'SUCCEEDED')
      throw new AwsServiceError(
        'InvalidRequestException',
        `Query has not yet finished. Current state: ${execution.state}`,
        400,
      );
    const max = Math.min(1000, Number(input.MaxResults ?? 1000));
    const offset = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64url').toString()) : 0;
    // The first page starts with the header row, as Athena's does for SELECT.
    const all = [execution.columns.map((c) => c.name), ...execution.rows];
    const page = all.slice(offset, offset + max);
    const next =
      offset + max < all.length ? Buffer.from(String(offset + max)).toString('base64url') : undefined;
    return {
      ResultSet: {
        Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: {
          ColumnInfo: execution.columns.map((c) => ({
            CatalogName: 'hive',
            SchemaName: '',
            TableName: '',
            Name: c.name,
            Label: c.name,
            Type: c.type,
            Nullable: 'UNKNOWN',
            CaseSensitive: c.type === 'varchar',
          })),
        },
      },
      UpdateCount: 0,
      ...(next ? { NextToken: next } : {}),
    };
  }

  stopQueryExecution(input: Record<string, unknown>) {
    this.#execution(input.QueryExecutionId).cancel();
    return {};
  }

  /** Resolves when every query started so far has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.#executions.values()].map((e) => e.done));
  }

  #execution(id: unknown): Execution {
    const execution = typeof id === 'string' ? this.#executions.get(id) : undefined;
    if (!execution)
      throw new AwsServiceError('InvalidRequestException', `QueryExecution ${String(id)} was not found`, 400);
    return execution;
  }

  /** A view per table; over its files once there are some (read_parquet refuses an empty glob). */
  async #ensureViews(): Promise<void> {
    const pending = this.#options.tables.filter((t) => !this.#ready.has(t.name));
    if (pending.length === 0) return;
    const previous = this.#views ?? Promise.resolve();
    this.#views = previous.then(() =>
      this.#options.duckdb.with(async (connection) => {
        await connection.run(`CREATE SCHEMA IF NOT EXISTS ${sqlName(this.#options.database)}`);
        for (const table of this.#options.tables) {
          if (this.#ready.has(table.name)) continue;
          const hasFiles = this.#hasFiles(table);
          await connection.run(
            `CREATE OR REPLACE VIEW ${sqlName(this.#options.database)}.${sqlName(table.name)} AS ${tableViewSql(table, this.#options.store.root, hasFiles)}`,
          );
          if (hasFiles) this.#ready.add(table.name);
        }
      }),
    );
    await this.#views;
  }

  #directory(table: TableSpec): string {
    return join(this.#options.store.root, table.bucket, ...table.prefix.split('/').filter(Boolean));
  }

  #hasFiles(table: TableSpec): boolean {
    const walk = (directory: string, depth: number): boolean => {
      if (!existsSync(directory)) return false;
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        if (depth === 0 && entry.isFile() && entry.name.endsWith('.parquet')) return true;
        if (depth > 0 && entry.isDirectory() && walk(join(directory, entry.name), depth - 1)) return true;
      }
      return false;
    };
    return walk(this.#directory(table), table.partitions.length);
  }
}

/**
 * The SQL of a declared table's view over the local S3's files: its columns in order, its
 * partitions from the path, Athena's `"$path"`; an empty typed row set while it has no file.
 */
export function tableViewSql(table: TableSpec, storeRoot: string, hasFiles: boolean): string {
  const partitions = table.partitions.map((p) => `${sqlName(p.name)}`);
  if (!hasFiles) {
    const columns = [
      ...table.columns.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${sqlName(c.name)}`),
      ...partitions.map((p) => `CAST(NULL AS VARCHAR) AS ${p}`),
      `CAST(NULL AS VARCHAR) AS "$path"`,
    ];
    return `SELECT ${columns.join(', ')} WHERE false`;
  }
  const directory = join(storeRoot, table.bucket, ...table.prefix.split('/').filter(Boolean));
  const glob = join(directory, ...table.partitions.map(() => '*'), '*.parquet');
  const bucketRoot = join(storeRoot, table.bucket);
  const hiveTypes = table.partitions.map((p) => `${sqlString(p.name)}: VARCHAR`).join(', ');
  const columns = table.columns.map((c) => sqlName(c.name)).join(', ');
  return `SELECT ${columns}, ${partitions.join(', ')}, 's3://' || ${sqlString(table.bucket)} || substr(filename, ${bucketRoot.length + 1}) AS "$path" FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, filename = true, hive_types = {${hiveTypes}})`;
}

/** Athena's ExecutionParameters are SQL literals: quoted text or numbers, nothing else here. */
function parseLiteral(value: unknown): string | number | bigint {
  const text = String(value);
  const quoted = /^'((?:[^']|'')*)'$/s.exec(text);
  if (quoted) return quoted[1]!.replace(/''/g, "'");
  if (/^-?\d+$/.test(text)) return Number.isSafeInteger(Number(text)) ? Number(text) : BigInt(text);
  if (/^-?\d+\.\d+$/.test(text)) return Number(text);
  throw new AwsServiceError(
    'InvalidRequestException',
    `The local Athena takes text and number parameters only, not ${text.slice(0, 40)}.`,
    400,
  );
}

function athenaType(duck: string): string {
  if (duck === 'VARCHAR') return 'varchar';
  if (duck === 'BIGINT' || duck === 'HUGEINT' || duck === 'UBIGINT') return 'bigint';
  if (duck === 'INTEGER' || duck === 'SMALLINT' || duck === 'TINYINT') return 'integer';
  if (duck === 'DOUBLE' || duck === 'FLOAT') return 'double';
  if (duck.startsWith('DECIMAL')) return 'decimal';
  if (duck.startsWith('TIMESTAMP')) return 'timestamp';
  if (duck === 'DATE') return 'date';
  if (duck === 'BOOLEAN') return 'boolean';
  if (duck.endsWith('[]')) return 'array';
  return 'varchar';
}

/** Values as Athena's GetQueryResults writes them: text, with `[a, b]` for arrays. */
function varchar(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return `[${value.map((v) => varchar(v) ?? 'null').join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Bytes this process has read through read(2) and friends so far (0 where /proc is not there). */
function bytesRead(): number {
  try {
    return Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
