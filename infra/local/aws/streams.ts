import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import type { StreamConsumerSpec } from '../../../functions/app/types.ts';
import { localClient } from '../dynamodb.ts';
import { WorkTracker } from './delivery.ts';
import { describeError } from './errors.ts';
import { LOCAL_REGION } from './event-bus.ts';
import { matchesPattern, validatePattern } from './pattern.ts';
import type { DeadLetter, DeadLetterStore, Invoke } from './types.ts';

export interface LocalStreamPollerOptions {
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  tableName: string;
  consumers: StreamConsumerSpec[];
  invoke: Invoke;
  deadLetters: DeadLetterStore;
  /** Pause between polls of the stream. */
  intervalMs?: number;
  /** First pause before retrying a failed batch; doubles with every retry. */
  retryDelayMs?: number;
}

interface ShardState {
  id: string;
  parentId?: string;
  iterator?: string;
  lastSequenceNumber?: string;
}

interface Consumer {
  spec: StreamConsumerSpec;
  pending: DynamoDBRecord[];
  draining: boolean;
  /** The records delivered most recently, oldest first, for `redeliver`. */
  delivered: DynamoDBRecord[];
}

/** How many delivered records each consumer keeps for a redelivery. */
const KEPT_FOR_REDELIVERY = 1000;

export interface RedeliveryOptions {
  /** How many of the most recently delivered records (default: all that were kept). */
  last?: number;
  /** `reversed` hands the newest first: a late duplicate of an older change after a newer one. */
  order?: 'as-delivered' | 'reversed';
}

/**
 * Lambda's DynamoDB event source mapping for a table on DynamoDB Local: reads the table's stream
 * (every shard open at start from LATEST, shards that appear later from TRIM_HORIZON, a child only
 * after its parent is read to its end), filters records with each consumer's Lambda filter
 * patterns, and invokes the consumer in order with batches of at most `batchSize` records in the
 * DynamoDB stream event shape. A failed batch is retried from its first failed record
 * (`batchItemFailures`) or whole (a thrown error); after `retryAttempts` retries without progress
 * the batch becomes a dead letter and the consumer moves on.
 */
export class LocalStreamPoller {
  readonly #tableName: string;
  readonly #endpoint: string;
  readonly #invoke: Invoke;
  readonly #deadLetters: DeadLetterStore;
  readonly #intervalMs: number;
  readonly #retryDelayMs: number;
  readonly #consumers: Consumer[];
  readonly #shards = new Map<string, ShardState>();
  readonly #seen = new Set<string>();
  #streams: DynamoDBStreamsClient | undefined;
  #streamArn: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  /** Polls run one at a time; each waits for the one before it. */
  #lock: Promise<unknown> = Promise.resolve();
  #work = new WorkTracker();
  #warned = false;

  constructor(options: LocalStreamPollerOptions) {
    for (const consumer of options.consumers) {
      for (const filter of consumer.filters) {
        try {
          validatePattern(filter);
        } catch (error) {
          throw new Error(
            `Stream consumer ${consumer.name} has an invalid filter: ${(error as Error).message}`,
          );
        }
      }
    }
    this.#endpoint = options.endpoint;
    this.#tableName = options.tableName;
    this.#invoke = options.invoke;
    this.#deadLetters = options.deadLetters;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#retryDelayMs = options.retryDelayMs ?? 200;
    this.#consumers = options.consumers.map((spec) => ({
      spec,
      pending: [],
      draining: false,
      delivered: [],
    }));
  }

  /** Finds the table's stream and starts polling; records written from now on are delivered. */
  /** The stream consumers and their filters, as configured (the parity test compares them with AWS). */
  describe(): StreamConsumerSpec[] {
    return this.#consumers.map((consumer) => consumer.spec);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    const tables = localClient(this.#endpoint);
    try {
      const { Table } = await tables.send(new DescribeTableCommand({ TableName: this.#tableName }));
      if (!Table?.LatestStreamArn) throw new Error(`Table ${this.#tableName} has no stream enabled.`);
      this.#streamArn = Table.LatestStreamArn;
    } finally {
      tables.destroy();
    }
    this.#streams = new DynamoDBStreamsClient({
      endpoint: this.#endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    for (const shard of await this.#describeShards()) {
      this.#seen.add(shard.ShardId as string);
      // A shard already closed holds only history: like a new event source mapping at LATEST, skip it.
      if (shard.SequenceNumberRange?.EndingSequenceNumber) continue;
      const state: ShardState = { id: shard.ShardId as string };
      state.iterator = await this.#iterator(state, 'LATEST');
      this.#shards.set(state.id, state);
    }
    this.#work = new WorkTracker();
    this.#started = true;
    this.#schedule();
  }

  /** Stops polling, cancels retries that are waiting, and waits for the poll and batches in flight. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#lock.catch(() => undefined);
    // Records not yet delivered are dropped; a batch in flight finishes, nothing starts after it.
    for (const consumer of this.#consumers) consumer.pending = [];
    this.#work.close();
    await this.#work.idle();
    this.#streams?.destroy();
    this.#streams = undefined;
    this.#shards.clear();
    this.#seen.clear();
  }

  /**
   * Resolves once every record written before the call has been handed to its consumers and
   * their deliveries are done (succeeded or dead-lettered). Resolves with the number of records
   * read, so a caller can repeat until nothing new arrives (a consumer may write to the table).
   */
  async settle(): Promise<number> {
    if (!this.#started) throw new Error('The stream poller is not started.');
    const read = await this.#poll();
    await this.#work.idle();
    return read;
  }

  /**
   * Delivers records the consumer already processed once more, as Lambda's event source mapping
   * may (a retried batch, a replayed shard): consumers must be idempotent, and tests prove it with
   * this. Resolves with the number of records delivered again, once their delivery is done.
   */
  async redeliver(consumerName: string, options: RedeliveryOptions = {}): Promise<number> {
    const consumer = this.#consumers.find((c) => c.spec.name === consumerName);
    if (!consumer) throw new Error(`No stream consumer ${consumerName}.`);
    const kept = consumer.delivered;
    const records = kept.slice(Math.max(0, kept.length - (options.last ?? kept.length)));
    if (options.order === 'reversed') records.reverse();
    await this.#work.track(
      this.#drain({
        spec: consumer.spec,
        pending: records.map((r) => structuredClone(r)),
        draining: false,
        delivered: [],
      }),
    );
    return records.length;
  }

  /** Delivers a dead letter of a stream consumer again; on failure it becomes a new dead letter. */
  async replay(letter: DeadLetter): Promise<void> {
    if (letter.source !== 'stream')
      throw new Error(`Dead letter ${letter.id} is not from a stream consumer.`);
    const declared = this.#consumers.find((c) => c.spec.name === letter.name)?.spec;
    const records = (letter.payload as { Records?: DynamoDBRecord[] })?.Records ?? [];
    // Delivered on its own, with the consumer's batch size and retries: later records do not wait.
    const replaying: Consumer = {
      spec: {
        name: letter.name,
        description: declared?.description ?? '',
        filters: [],
        batchSize: declared?.batchSize ?? records.length,
        retryAttempts: declared?.retryAttempts ?? 0,
        target: letter.target,
      },
      pending: [...records],
      draining: false,
      delivered: [],
    };
    await this.#work.track(this.#drain(replaying));
  }

  #schedule(): void {
    if (!this.#started) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#poll()
        .then(() => {
          this.#warned = false;
        })
        .catch((error) => {
          if (!this.#warned) console.warn(`Stream poller for ${this.#tableName}: ${describeError(error)}`);
          this.#warned = true;
        })
        .finally(() => this.#schedule());
    }, this.#intervalMs);
  }

  /** Reads every shard to its current end and hands the records to the consumers. */
  #poll(): Promise<number> {
    const run = this.#lock.catch(() => undefined).then(() => this.#readAll());
    this.#lock = run;
    return run;
  }

  async #readAll(): Promise<number> {
    if (!this.#started || !this.#streams) return 0;
    let read = 0;
    try {
      await this.#discoverShards();
      // A closed shard read to its end releases its children, which are then read in the same pass.
      for (let progressed = true; progressed; ) {
        progressed = false;
        for (const shard of [...this.#shards.values()]) {
          if (shard.parentId && this.#shards.has(shard.parentId)) continue;
          if (!shard.iterator) shard.iterator = await this.#iterator(shard, 'TRIM_HORIZON');
          const result = await this.#readShard(shard);
          read += result.read;
          if (result.closed) {
            this.#shards.delete(shard.id);
            progressed = true;
          }
        }
      }
    } finally {
      this.#startDeliveries();
    }
    return read;
  }

  async #readShard(shard: ShardState): Promise<{ read: number; closed: boolean }> {
    let read = 0;
    for (;;) {
      let page: { Records?: _Record[]; NextShardIterator?: string };
      try {
        page = await this.#client().send(
          new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }),
        );
      } catch (error) {
        if (!(error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException))
          throw error;
        shard.iterator = await this.#iterator(
          shard,
          shard.lastSequenceNumber
            ? 'AFTER_SEQUENCE_NUMBER'
            : error instanceof TrimmedDataAccessException
              ? 'TRIM_HORIZON'
              : 'LATEST',
        );
        continue;
      }
      const records = page.Records ?? [];
      for (const record of records) {
        shard.lastSequenceNumber = record.dynamodb?.SequenceNumber;
        this.#dispatch(this.#lambdaRecord(record));
      }
      read += records.length;
      if (!page.NextShardIterator) return { read, closed: true };
      shard.iterator = page.NextShardIterator;
      if (records.length === 0) return { read, closed: false };
    }
  }

  async #discoverShards(): Promise<void> {
    for (const shard of await this.#describeShards()) {
      const id = shard.ShardId as string;
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      this.#shards.set(id, { id, ...(shard.ParentShardId ? { parentId: shard.ParentShardId } : {}) });
    }
  }

  async #describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.#client().send(
        new DescribeStreamCommand({ StreamArn: this.#streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  async #iterator(shard: ShardState, type: ShardIteratorType): Promise<string | undefined> {
    const { ShardIterator } = await this.#client().send(
      new GetShardIteratorCommand({
        StreamArn: this.#streamArn,
        ShardId: shard.id,
        ShardIteratorType: type,
        ...(type === 'AFTER_SEQUENCE_NUMBER' ? { SequenceNumber: shard.lastSequenceNumber } : {}),
      }),
    );
    return ShardIterator;
  }

  #client(): DynamoDBStreamsClient {
    if (!this.#streams) throw new Error('The stream poller is not started.');
    return this.#streams;
  }

  #dispatch(record: DynamoDBRecord): void {
    for (const consumer of this.#consumers) {
      const { filters } = consumer.spec;
      if (filters.length && !filters.some((filter) => matchesPattern(filter, record))) continue;
      consumer.pending.push(record);
    }
  }

  /** Called once a read pass is done, so the records it read travel in as few batches as possible. */
  #startDeliveries(): void {
    for (const consumer of this.#consumers) {
      if (consumer.pending.length && !consumer.draining) this.#work.track(this.#drain(consumer));
    }
  }

  /** Delivers the consumer's records in order, one batch at a time. */
  async #drain(consumer: Consumer): Promise<void> {
    consumer.draining = true;
    try {
      let failures = 0;
      while (consumer.pending.length) {
        const batch = consumer.pending.slice(0, consumer.spec.batchSize);
        let failedAt: number;
        let error: string;
        try {
          const result = await this.#invoke(consumer.spec.target, { Records: batch });
          failedAt = firstFailure(result, batch);
          error = 'The consumer reported a batch item failure.';
        } catch (thrown) {
          failedAt = 0;
          error = describeError(thrown);
        }
        if (failedAt < 0) {
          this.#keep(consumer, consumer.pending.splice(0, batch.length));
          failures = 0;
          continue;
        }
        if (failedAt > 0) {
          // The records before the first failure are done: the checkpoint moves to it.
          this.#keep(consumer, consumer.pending.splice(0, failedAt));
          failures = 0;
        }
        failures++;
        if (failures > consumer.spec.retryAttempts) {
          const failed = batch.slice(failedAt);
          consumer.pending.splice(0, failed.length);
          this.#deadLetters.add({
            source: 'stream',
            name: consumer.spec.name,
            target: consumer.spec.target,
            payload: { Records: failed },
            error,
            attempts: failures,
          });
          failures = 0;
          continue;
        }
        await this.#work.sleep(this.#retryDelayMs * 2 ** (failures - 1));
      }
    } finally {
      consumer.draining = false;
    }
  }

  #keep(consumer: Consumer, records: DynamoDBRecord[]): void {
    consumer.delivered.push(...records);
    if (consumer.delivered.length > KEPT_FOR_REDELIVERY)
      consumer.delivered.splice(0, consumer.delivered.length - KEPT_FOR_REDELIVERY);
  }

  #lambdaRecord(record: _Record): DynamoDBRecord {
    const stream = record.dynamodb ?? {};
    const created = stream.ApproximateCreationDateTime;
    return {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: LOCAL_REGION,
      dynamodb: {
        ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
        ...(stream.Keys ? { Keys: lambdaImage(stream.Keys) } : {}),
        ...(stream.NewImage ? { NewImage: lambdaImage(stream.NewImage) } : {}),
        ...(stream.OldImage ? { OldImage: lambdaImage(stream.OldImage) } : {}),
        SequenceNumber: stream.SequenceNumber,
        SizeBytes: stream.SizeBytes,
        StreamViewType: stream.StreamViewType,
      },
      // DynamoDB Local names its region "ddblocal"; Lambda would name the table's region.
      eventSourceARN: this.#streamArn?.replace(/^(arn:aws:dynamodb:)[^:]*:/, `$1${LOCAL_REGION}:`),
      ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    };
  }
}

/**
 * Index of the first record a `{ batchItemFailures }` answer names (by sequence number), -1 for
 * none. As Lambda does, an identifier that names no record of the batch fails the whole batch.
 */
function firstFailure(result: unknown, batch: DynamoDBRecord[]): number {
  const failures = (result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return -1;
  let first = batch.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = batch.findIndex((r) => r.dynamodb?.SequenceNumber === id);
    if (index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
}

/** The SDK hands binary attributes as bytes; Lambda's JSON event carries them as base64. */
function lambdaImage(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, lambdaValue(value)]));
}

function lambdaValue(value: AttributeValue): LambdaAttributeValue {
  // The SDK's stream client reads `{"M":{}}` (an empty map) as an attribute with no member at all;
  // Lambda hands the function the map, which handlers must be able to unmarshall.
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: lambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(lambdaValue) };
  return value as LambdaAttributeValue;
}
