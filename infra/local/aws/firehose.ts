import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryStreamSpec, TableSpec } from '../../../functions/app/types.ts';
import { systemClock, WorkTracker, withRetries } from './delivery.ts';
import { duckType, type LocalDuckDb, sqlName, sqlString } from './duckdb.ts';
import { AwsServiceError, describeError, ResourceNotFoundException } from './errors.ts';
import type { LocalS3 } from './s3.ts';
import type { Clock, Invoke, RetryPolicy } from './types.ts';

/**
 * Amazon Data Firehose for the declared delivery streams: records (PutRecord, PutRecordBatch, or
 * a bus rule whose target is the stream) wait in a buffer until it holds `sizeMb` or its oldest
 * record is `intervalSeconds` old, or until `flush()` (the runtime's settle). A flush invokes the
 * stream's transformation function with Firehose's event shape, groups the `Ok` records by the
 * partition keys the function returned, converts each group to Parquet with the table's schema
 * (DuckDB) and writes it to the local S3 under the stream's prefix, named as Firehose names its
 * objects. What fails lands under the error prefix as Firehose's error documents:
 * `processing-failed` (the function failed, or said ProcessingFailed) and
 * `format-conversion-failed` (a row Parquet refused).
 */
export interface LocalFirehoseOptions {
  streams: readonly DeliveryStreamSpec[];
  tables: readonly TableSpec[];
  s3: LocalS3;
  duckdb: LocalDuckDb;
  invoke: Invoke;
  region: string;
  account: string;
  retry?: RetryPolicy;
  clock?: Clock;
}

/** Firehose's limits on one record and one PutRecordBatch. */
const MAX_RECORD_BYTES = 1000 * 1024;
const MAX_BATCH_RECORDS = 500;
/**
 * Records per invocation of the transformation: the processor's buffer as the stack declares it
 * (BufferSizeInMBs 1), and how many invocations run at once, as Firehose scales them out.
 */
const INVOCATION_BYTES = 1024 * 1024;
const CONCURRENT_INVOCATIONS = 4;

interface Pending {
  recordId: string;
  data: Buffer;
  arrival: number;
}

interface TransformedRecord {
  recordId?: string;
  result?: string;
  data?: string;
  metadata?: { partitionKeys?: Record<string, string> };
}

export class LocalFirehose {
  readonly #streams: Map<string, DeliveryStreamSpec>;
  readonly #tables: Map<string, TableSpec>;
  readonly #options: LocalFirehoseOptions;
  readonly #clock: Clock;
  readonly #work = new WorkTracker();
  readonly #buffers = new Map<string, { records: Pending[]; bytes: number; timer?: NodeJS.Timeout }>();
  #sequence = 0;

  constructor(options: LocalFirehoseOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#streams = new Map(options.streams.map((s) => [s.name, s]));
    this.#tables = new Map(options.tables.map((t) => [t.name, t]));
    for (const stream of options.streams) {
      if (!this.#tables.has(stream.table))
        throw new Error(`Delivery stream ${stream.name} writes undeclared table ${stream.table}.`);
    }
  }

  describe(): readonly DeliveryStreamSpec[] {
    return [...this.#streams.values()];
  }

  /** `PutRecordBatch`: each record is accepted or refused on its own, as Firehose answers. */
  putRecords(
    streamName: string,
    records: Buffer[],
  ): Array<{ RecordId?: string; ErrorCode?: string; ErrorMessage?: string }> {
    const stream = this.#stream(streamName);
    if (records.length === 0 || records.length > MAX_BATCH_RECORDS)
      throw new AwsServiceError(
        'InvalidArgumentException',
        `A batch holds from 1 to ${MAX_BATCH_RECORDS} records; this one has ${records.length}.`,
        400,
      );
    return records.map((data) => {
      if (data.length === 0 || data.length > MAX_RECORD_BYTES)
        return {
          ErrorCode: 'InvalidArgumentException',
          ErrorMessage: `A record holds 1 byte to ${MAX_RECORD_BYTES} bytes; this one has ${data.length}.`,
        };
      return { RecordId: this.#enqueue(stream, data) };
    });
  }

  #stream(name: string): DeliveryStreamSpec {
    const stream = this.#streams.get(name);
    if (!stream)
      throw new ResourceNotFoundException(
        `Firehose ${name} under account ${this.#options.account} not found.`,
      );
    return stream;
  }

  #enqueue(stream: DeliveryStreamSpec, data: Buffer): string {
    const recordId = `${Date.now()}${String(++this.#sequence).padStart(12, '0')}`;
    const buffer = this.#buffers.get(stream.name) ?? { records: [], bytes: 0 };
    this.#buffers.set(stream.name, buffer);
    buffer.records.push({ recordId, data, arrival: this.#clock.now().getTime() });
    buffer.bytes += data.length;
    if (buffer.bytes >= stream.buffering.sizeMb * 1024 * 1024) this.#flushLater(stream.name);
    else
      buffer.timer ??= setTimeout(
        () => this.#flushLater(stream.name),
        stream.buffering.intervalSeconds * 1000,
      );
    return recordId;
  }

  #flushLater(name: string): void {
    this.#work.later(() => this.#flush(name));
  }

  /** Records waiting in the buffers, not yet handed to a delivery (the bench times their flush). */
  get buffered(): number {
    let records = 0;
    for (const buffer of this.#buffers.values()) records += buffer.records.length;
    return records;
  }

  /** Delivers everything buffered now and waits for it (and for anything already delivering). */
  async flush(): Promise<void> {
    for (const name of this.#buffers.keys()) await this.#work.track(this.#flush(name));
    await this.#work.idle();
  }

  close(): void {
    for (const buffer of this.#buffers.values()) clearTimeout(buffer.timer);
    this.#work.close();
  }

  async #flush(name: string): Promise<void> {
    const buffer = this.#buffers.get(name);
    if (!buffer || buffer.records.length === 0) return;
    clearTimeout(buffer.timer);
    const records = buffer.records;
    this.#buffers.set(name, { records: [], bytes: 0 });
    const stream = this.#stream(name);
    const chunks = [...invocationChunks(records)];
    const workers = Array.from({ length: Math.min(CONCURRENT_INVOCATIONS, chunks.length) }, async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) await this.#deliver(stream, chunk);
    });
    await Promise.all(workers);
  }

  async #deliver(stream: DeliveryStreamSpec, records: Pending[]): Promise<void> {
    const { region, account } = this.#options;
    const event = {
      invocationId: randomUUID(),
      deliveryStreamArn: `arn:aws:firehose:${region}:${account}:deliverystream/${stream.name}`,
      region,
      records: records.map((r) => ({
        recordId: r.recordId,
        approximateArrivalTimestamp: r.arrival,
        data: r.data.toString('base64'),
      })),
    };
    const outcome = await withRetries(
      () => this.#options.invoke(stream.transform, event),
      this.#options.retry ?? { attempts: 3, delayMs: 200 },
      this.#work,
    );
    if (!outcome.ok) {
      await this.#writeErrors(
        stream,
        'processing-failed',
        records.map((r) => ({
          record: r,
          code: 'Lambda.FunctionError',
          message: `The Lambda function was successfully invoked but it returned an error result: ${describeError(outcome.error)}`,
        })),
      );
      return;
    }
    const results = new Map(
      ((outcome.result as { records?: TransformedRecord[] } | undefined)?.records ?? []).map((r) => [
        r.recordId,
        r,
      ]),
    );
    const groups = new Map<string, { prefix: string; rows: Array<{ record: Pending; json: string }> }>();
    const failed: Array<{ record: Pending; code: string; message: string }> = [];
    for (const record of records) {
      const result = results.get(record.recordId);
      if (!result) {
        failed.push({
          record,
          code: 'Lambda.MissingRecordId',
          message: 'The function returned no result for the record.',
        });
        continue;
      }
      if (result.result === 'Dropped') continue;
      if (result.result !== 'Ok') {
        failed.push({
          record,
          code: 'Lambda.ProcessingFailedStatus',
          message: 'ProcessingFailed status set for the record by the function.',
        });
        continue;
      }
      let prefix: string;
      try {
        prefix = evaluatePrefix(stream.prefix, result.metadata?.partitionKeys ?? {}, this.#clock.now());
      } catch (error) {
        failed.push({
          record,
          code: 'DynamicPartitioning.MetadataExtractionFailed',
          message: (error as Error).message,
        });
        continue;
      }
      const json = Buffer.from(result.data ?? '', 'base64')
        .toString('utf8')
        .trim();
      const group = groups.get(prefix) ?? { prefix, rows: [] };
      group.rows.push({ record, json });
      groups.set(prefix, group);
    }
    if (failed.length) await this.#writeErrors(stream, 'processing-failed', failed);
    for (const group of groups.values()) await this.#writeParquet(stream, group.prefix, group.rows);
  }

  async #writeParquet(
    stream: DeliveryStreamSpec,
    prefix: string,
    rows: Array<{ record: Pending; json: string }>,
  ) {
    const table = this.#tables.get(stream.table)!;
    const converted = await this.#toParquet(
      table,
      rows.map((r) => r.json),
    ).catch(() => undefined);
    if (converted) {
      await this.#options.s3.putObject(
        table.bucket,
        `${prefix}${this.#objectName(stream)}.parquet`,
        converted,
      );
      return;
    }
    // Firehose refuses rows one by one: find those Parquet cannot take, deliver the others.
    const good: string[] = [];
    const bad: Array<{ record: Pending; code: string; message: string }> = [];
    for (const row of rows) {
      try {
        await this.#toParquet(table, [row.json]);
        good.push(row.json);
      } catch (error) {
        bad.push({
          record: row.record,
          code: 'DataFormatConversion.MalformedData',
          message: (error as Error).message,
        });
      }
    }
    if (good.length)
      await this.#options.s3.putObject(
        table.bucket,
        `${prefix}${this.#objectName(stream)}.parquet`,
        await this.#toParquet(table, good),
      );
    if (bad.length) await this.#writeErrors(stream, 'format-conversion-failed', bad);
  }

  /** The rows (JSON lines) as one Parquet file with the table's columns, in order. */
  async #toParquet(table: TableSpec, lines: string[]): Promise<Buffer> {
    const directory = await mkdtemp(join(tmpdir(), 'funnel-firehose-'));
    try {
      const input = join(directory, 'rows.json');
      const output = join(directory, 'rows.parquet');
      await writeFile(input, `${lines.join('\n')}\n`);
      const columns = table.columns
        .map(
          (c) => `${sqlString(c.name)}: ${sqlString(c.type === 'timestamp' ? 'BIGINT' : duckType(c.type))}`,
        )
        .join(', ');
      const select = table.columns
        .map((c) =>
          c.type === 'timestamp' ? `epoch_ms(${sqlName(c.name)}) AS ${sqlName(c.name)}` : sqlName(c.name),
        )
        .join(', ');
      await this.#options.duckdb.with((connection) =>
        connection.run(
          `COPY (SELECT ${select} FROM read_json(${sqlString(input)}, format = 'newline_delimited', columns = {${columns}})) TO ${sqlString(output)} (FORMAT parquet, COMPRESSION snappy)`,
        ),
      );
      return await readFile(output);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  async #writeErrors(
    stream: DeliveryStreamSpec,
    type: 'processing-failed' | 'format-conversion-failed',
    failures: Array<{ record: Pending; code: string; message: string }>,
  ): Promise<void> {
    const table = this.#tables.get(stream.table)!;
    const now = this.#clock.now();
    const prefix = evaluatePrefix(stream.errorPrefix, {}, now, type);
    const documents = failures.map(({ record, code, message }) =>
      JSON.stringify({
        attemptsMade: 1,
        arrivalTimestamp: record.arrival,
        errorCode: code,
        errorMessage: message,
        attemptEndingTimestamp: now.getTime(),
        rawData: record.data.toString('base64'),
        ...(type === 'processing-failed'
          ? {
              lambdaArn: `arn:aws:lambda:${this.#options.region}:${this.#options.account}:function:${stream.transform}`,
            }
          : {}),
      }),
    );
    await this.#options.s3.putObject(
      table.bucket,
      `${prefix}${this.#objectName(stream)}`,
      Buffer.from(`${documents.join('\n')}\n`),
    );
  }

  /** `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random>`, as Firehose names the objects it writes. */
  #objectName(stream: DeliveryStreamSpec): string {
    const stamp = this.#clock.now().toISOString().slice(0, 19).replace(/[T:]/g, '-');
    return `${stream.name}-1-${stamp}-${randomUUID()}`;
  }
}

function* invocationChunks(records: Pending[]): Generator<Pending[]> {
  let chunk: Pending[] = [];
  let bytes = 0;
  for (const record of records) {
    if (chunk.length && bytes + record.data.length > INVOCATION_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += record.data.length;
  }
  if (chunk.length) yield chunk;
}

/**
 * Firehose's prefix expressions: `!{partitionKeyFromLambda:name}`, `!{timestamp:<format>}` (UTC,
 * yyyy, MM, dd, HH) and `!{firehose:error-output-type}`. A key the function did not return fails
 * the record, as in Firehose.
 */
export function evaluatePrefix(
  template: string,
  keys: Record<string, string>,
  now: Date,
  errorOutputType?: string,
): string {
  return template.replace(/!\{([^:}]+):([^}]+)\}/g, (_, namespace: string, name: string) => {
    if (namespace === 'partitionKeyFromLambda') {
      const value = keys[name];
      if (value === undefined || value === '')
        throw new Error(`The function returned no partition key ${name}.`);
      if (/[/\\]|\.\./.test(value))
        throw new Error(`Partition key ${name} must not contain a path: ${value}.`);
      return value;
    }
    if (namespace === 'timestamp') {
      const iso = now.toISOString();
      return name
        .replace('yyyy', iso.slice(0, 4))
        .replace('MM', iso.slice(5, 7))
        .replace('dd', iso.slice(8, 10))
        .replace('HH', iso.slice(11, 13));
    }
    if (namespace === 'firehose' && name === 'error-output-type' && errorOutputType) return errorOutputType;
    throw new Error(`Unknown prefix expression !{${namespace}:${name}}.`);
  });
}
