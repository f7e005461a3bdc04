import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamConsumerSpec } from '../../../functions/app/types.ts';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import { LocalStreamPoller } from '../../../infra/local/aws/streams.ts';
import { localClient } from '../../../infra/local/dynamodb.ts';
import { useTable } from '../../support/table.ts';

let tableName: string;
let endpoint: string;
let db: DynamoDBClient;
const pollers: LocalStreamPoller[] = [];

beforeAll(async () => {
  tableName = await useTable();
  endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
  db = localClient(endpoint);
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});
afterAll(() => db.destroy());

const consumer = (overrides: Partial<StreamConsumerSpec> = {}): StreamConsumerSpec => ({
  name: 'publish-changes',
  description: '',
  target: 'publish-changes',
  filters: [],
  batchSize: 10,
  retryAttempts: 2,
  ...overrides,
});

type Handler = (event: DynamoDBStreamEvent, call: number) => Promise<unknown>;

async function startPoller(consumers: StreamConsumerSpec[], handler: Handler = async () => undefined) {
  const calls: Array<{ target: string; event: DynamoDBStreamEvent }> = [];
  const deadLetters = new MemoryDeadLetters();
  const poller = new LocalStreamPoller({
    endpoint,
    tableName,
    consumers,
    deadLetters,
    intervalMs: 60_000,
    retryDelayMs: 1,
    invoke: async (target, event) => {
      calls.push({ target, event: structuredClone(event as DynamoDBStreamEvent) });
      return handler(event as DynamoDBStreamEvent, calls.length);
    },
  });
  pollers.push(poller);
  await poller.start();
  return { poller, calls, deadLetters };
}

const put = (
  pk: string,
  sk: string,
  attributes: Record<string, { S: string } | { N: string } | { B: Uint8Array }> = {},
) =>
  db.send(
    new PutItemCommand({ TableName: tableName, Item: { PK: { S: pk }, SK: { S: sk }, ...attributes } }),
  );

const keysOf = (records: DynamoDBRecord[] | undefined) => records?.map((r) => r.dynamodb?.Keys?.SK?.S);

describe('LocalStreamPoller on DynamoDB Local', () => {
  it('delivers inserts, updates and deletes written after start, in order, in the Lambda stream shape', async () => {
    await put('t1#before', 'c0', { name: { S: 'written before start' } });
    const { poller, calls } = await startPoller([consumer()]);
    await put('t1#contact', 'c1', { name: { S: 'Ada' } });
    await db.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { PK: { S: 't1#contact' }, SK: { S: 'c1' } },
        UpdateExpression: 'SET #n = :n',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':n': { S: 'Ada Lovelace' } },
      }),
    );
    await db.send(
      new DeleteItemCommand({ TableName: tableName, Key: { PK: { S: 't1#contact' }, SK: { S: 'c1' } } }),
    );
    expect(await poller.settle()).toBe(3);
    const records = calls.flatMap((c) => c.event.Records);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
    expect(insert).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { PK: { S: 't1#contact' }, SK: { S: 'c1' } },
        NewImage: { PK: { S: 't1#contact' }, SK: { S: 'c1' }, name: { S: 'Ada' } },
        SequenceNumber: expect.any(String),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: expect.stringMatching(
        new RegExp(`^arn:aws:dynamodb:us-east-1:\\d+:table/${tableName}/stream/`),
      ),
    });
    // Epoch seconds, as in Lambda events (not milliseconds).
    expect(Math.abs((insert.dynamodb?.ApproximateCreationDateTime ?? 0) - Date.now() / 1000)).toBeLessThan(
      86_400,
    );
    expect(modify.dynamodb?.OldImage?.name).toEqual({ S: 'Ada' });
    expect(modify.dynamodb?.NewImage?.name).toEqual({ S: 'Ada Lovelace' });
    expect(remove.dynamodb?.OldImage?.name).toEqual({ S: 'Ada Lovelace' });
    expect(remove.dynamodb?.NewImage).toBeUndefined();
  });

  it('hands each consumer only the records its Lambda filters let through', async () => {
    const { poller, calls } = await startPoller([
      consumer({
        name: 'invoices',
        target: 'on-invoice',
        filters: [{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['invoice'] } } } }],
      }),
      consumer({ name: 'everything', target: 'on-anything' }),
    ]);
    await put('t1#invoice', 'i1', { type: { S: 'invoice' } });
    await put('t1#contact', 'c2', { type: { S: 'contact' } });
    await poller.settle();
    const seen = (target: string) =>
      calls.filter((c) => c.target === target).flatMap((c) => keysOf(c.event.Records));
    expect(seen('on-invoice')).toEqual(['i1']);
    expect(seen('on-anything')).toEqual(['i1', 'c2']);
  });

  it('delivers batches of at most batchSize records', async () => {
    const { poller, calls } = await startPoller([consumer({ batchSize: 2 })]);
    for (const sk of ['b1', 'b2', 'b3', 'b4', 'b5']) await put('t1#batch', sk);
    await poller.settle();
    expect(calls.map((c) => keysOf(c.event.Records))).toEqual([['b1', 'b2'], ['b3', 'b4'], ['b5']]);
  });

  it('retries from the first record a batchItemFailures answer names', async () => {
    const { poller, calls, deadLetters } = await startPoller([consumer()], async (event, call) =>
      call === 1
        ? { batchItemFailures: [{ itemIdentifier: event.Records[1]?.dynamodb?.SequenceNumber }] }
        : {},
    );
    for (const sk of ['p1', 'p2', 'p3']) await put('t1#partial', sk);
    await poller.settle();
    expect(calls.map((c) => keysOf(c.event.Records))).toEqual([
      ['p1', 'p2', 'p3'],
      ['p2', 'p3'],
    ]);
    expect(deadLetters.list()).toEqual([]);
  });

  it('after retryAttempts retries, records the failing batch as a dead letter and moves on', async () => {
    const { poller, calls, deadLetters } = await startPoller(
      [consumer({ batchSize: 2, retryAttempts: 1 })],
      async (event) => {
        if (keysOf(event.Records)?.includes('bad')) throw new Error('cannot publish');
      },
    );
    for (const sk of ['bad', 'also-in-batch', 'after']) await put('t1#poison', sk);
    await poller.settle();
    expect(calls.map((c) => keysOf(c.event.Records))).toEqual([
      ['bad', 'also-in-batch'],
      ['bad', 'also-in-batch'],
      ['after'],
    ]);
    const [letter] = deadLetters.list();
    expect(letter).toMatchObject({
      source: 'stream',
      name: 'publish-changes',
      target: 'publish-changes',
      attempts: 2,
    });
    expect(keysOf((letter!.payload as DynamoDBStreamEvent).Records)).toEqual(['bad', 'also-in-batch']);
  });

  it('replays a dead letter to its consumer once the consumer is fixed', async () => {
    let fixed = false;
    const { poller, calls, deadLetters } = await startPoller([consumer({ retryAttempts: 0 })], async () => {
      if (!fixed) throw new Error('bug');
    });
    await put('t1#replay', 'r1');
    await poller.settle();
    fixed = true;
    await poller.replay(deadLetters.take(deadLetters.list()[0]!.id)!);
    expect(deadLetters.list()).toEqual([]);
    expect(calls.map((c) => keysOf(c.event.Records))).toEqual([['r1'], ['r1']]);
  });

  it('carries binary attributes base64-encoded, as Lambda’s JSON event does', async () => {
    const { poller, calls } = await startPoller([consumer()]);
    await put('t1#binary', 'x1', { blob: { B: new Uint8Array([0, 1, 254, 255]) } });
    await poller.settle();
    expect(calls[0]?.event.Records[0]?.dynamodb?.NewImage?.blob).toEqual({ B: 'AAH+/w==' });
  });

  it('delivers the last records again on demand, in order or newest first', async () => {
    const { poller, calls } = await startPoller([consumer({ batchSize: 10 })]);
    for (const sk of ['r1', 'r2', 'r3']) await put('t1#again', sk);
    await poller.settle();
    expect(await poller.redeliver('publish-changes', { last: 2 })).toBe(2);
    expect(await poller.redeliver('publish-changes', { order: 'reversed' })).toBe(3);
    expect(calls.map((c) => keysOf(c.event.Records))).toEqual([
      ['r1', 'r2', 'r3'],
      ['r2', 'r3'],
      ['r3', 'r2', 'r1'],
    ]);
    await expect(poller.redeliver('nobody')).rejects.toThrow('No stream consumer nobody');
  });

  it('carries empty maps as maps, at any depth, so handlers can unmarshall the images', async () => {
    const { poller, calls } = await startPoller([consumer()]);
    await db.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          PK: { S: 't1#empty' },
          SK: { S: 'e1' },
          top: { M: {} },
          nested: { L: [{ M: { inner: { M: {} }, list: { L: [] } } }] },
        },
      }),
    );
    await poller.settle();
    const image = calls[0]?.event.Records[0]?.dynamodb?.NewImage;
    expect(image?.top).toEqual({ M: {} });
    expect(image?.nested).toEqual({ L: [{ M: { inner: { M: {} }, list: { L: [] } } }] });
    expect(unmarshall(image as never)).toMatchObject({ top: {}, nested: [{ inner: {}, list: [] }] });
  });

  it('settle resolves with nothing to do, and polling on its own timer delivers too', async () => {
    const { poller } = await startPoller([consumer()]);
    expect(await poller.settle()).toBe(0);
    let delivered!: (event: DynamoDBStreamEvent) => void;
    const arrived = new Promise<DynamoDBStreamEvent>((resolve) => {
      delivered = resolve;
    });
    const timed = new LocalStreamPoller({
      endpoint,
      tableName,
      consumers: [consumer()],
      deadLetters: new MemoryDeadLetters(),
      intervalMs: 10,
      invoke: async (_, event) => delivered(event as DynamoDBStreamEvent),
    });
    pollers.push(timed);
    await timed.start();
    await put('t1#timer', 't1');
    expect(keysOf((await arrived).Records)).toEqual(['t1']);
  });
});
