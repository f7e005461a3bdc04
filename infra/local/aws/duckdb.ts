import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * The embedded DuckDB the local Firehose (Parquet conversion) and the local Athena (queries) share:
 * one in-memory instance per runtime, created on first use. It reads and writes the local S3's
 * files on disk; no extension is downloaded (parquet and json are built in).
 */
export class LocalDuckDb {
  #instance?: Promise<DuckDBInstance>;

  async connect(): Promise<DuckDBConnection> {
    this.#instance ??= import('@duckdb/node-api').then(async ({ DuckDBInstance }) => {
      const instance = await DuckDBInstance.create(':memory:');
      const setup = await instance.connect();
      // Statistics count bytes really read: no cache of file contents between queries.
      await setup.run('SET enable_external_file_cache = false');
      setup.closeSync();
      return instance;
    });
    return (await this.#instance).connect();
  }

  /** Runs `work` on a connection of its own, closed afterwards. */
  async with<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    const instance = await this.#instance;
    instance?.closeSync();
    this.#instance = undefined;
  }
}

/** DuckDB's type for a Hive type name of a declared table. */
export function duckType(hiveType: string): string {
  switch (hiveType) {
    case 'string':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'array<string>':
      return 'VARCHAR[]';
    case 'array<bigint>':
      return 'BIGINT[]';
    default:
      throw new Error(`No DuckDB type for the Hive type ${hiveType}.`);
  }
}

/** A string literal for SQL built by the stand-ins (paths, names): quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlName(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
