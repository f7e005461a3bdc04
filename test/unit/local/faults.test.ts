import {
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbFaultProxy,
  startDynamoDbFaultProxy,
} from '../../../infra/local/aws/dynamodb-faults.ts';
import { LocalFaults } from '../../../infra/local/aws/faults.ts';

describe('the fault registry', () => {
  it('fails the next `times` matching calls, then none', () => {
    const faults = new LocalFaults(7);
    faults.inject({ service: 'ses', operation: 'SendEmail', error: 'TooManyRequestsException', times: 2 });
    expect(faults.take('ses', 'GetAccount')).toBeUndefined();
    expect(faults.take('ses', 'SendEmail')?.error).toBe('TooManyRequestsException');
    expect(faults.take('ses', 'SendEmail')?.injected).toBe(2);
    expect(faults.take('ses', 'SendEmail')).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });

  it('draws the same calls to fail from the same seed', () => {
    const draws = (seed: number) => {
      const faults = new LocalFaults(seed);
      faults.inject({ service: 'dynamodb', error: 'ThrottlingException', probability: 0.3 });
      return Array.from({ length: 200 }, () => Boolean(faults.take('dynamodb', 'PutItem')));
    };
    expect(draws(18)).toEqual(draws(18));
    expect(draws(18)).not.toEqual(draws(19));
    const failed = draws(18).filter(Boolean).length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
  });

  it('refuses a fault a service cannot produce, naming the ones it can', () => {
    const faults = new LocalFaults();
    expect(() => faults.inject({ service: 'ses', error: 'ThrottlingException' })).toThrow(
      /TooManyRequestsException/,
    );
    expect(() => faults.inject({ service: 'lambda', error: 'CrashAfterCommit', times: 0 })).toThrow(/times/);
    expect(() => faults.inject({ service: 'sqs', error: 'Duplicate', times: 1, probability: 0.5 })).toThrow(
      /not both/,
    );
    faults.unavailable('dynamodb', 'no proxy here');
    expect(() => faults.inject({ service: 'dynamodb', error: 'ThrottlingException' })).toThrow(
      'no proxy here',
    );
  });

  it('delivers an event twice, one after the other or both at once, for a Duplicate fault', async () => {
    const faults = new LocalFaults();
    const seen: string[] = [];
    const invoke = faults.deliveries('sqs', async (name: string, event: { id: string }) => {
      seen.push(`${name}:${event.id}`);
      return { batchItemFailures: [] };
    });
    faults.inject({ service: 'sqs', operation: 'mailing-sender', error: 'Duplicate' });
    faults.inject({ service: 'sqs', operation: 'mailing-sender', error: 'ConcurrentDuplicate' });
    await invoke('mailing-sender', { id: 'a' });
    await invoke('mailing-sender', { id: 'b' });
    await invoke('mailing-sender', { id: 'c' });
    await invoke('other', { id: 'd' });
    expect(seen).toEqual([
      'mailing-sender:a',
      'mailing-sender:a',
      'mailing-sender:b',
      'mailing-sender:b',
      'mailing-sender:c',
      'other:d',
    ]);
  });
});

describe('the DynamoDB fault proxy', () => {
  const faults = new LocalFaults(1);
  let proxy: DynamoDbFaultProxy;
  let client: DynamoDBClient;

  beforeAll(async () => {
    // Nothing listens upstream: every call these tests make is answered by a fault.
    proxy = await startDynamoDbFaultProxy({ host: '127.0.0.1', upstream: 'http://127.0.0.1:9', faults });
    client = new DynamoDBClient({
      endpoint: proxy.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client?.destroy();
    await proxy?.close();
  });

  const put = (pk: string) => ({ Put: { TableName: 't', Item: { PK: { S: pk } } } });

  it('answers a cancelled transaction as DynamoDB does, one reason per item', async () => {
    faults.inject({ service: 'dynamodb', error: 'TransactionCanceledException' });
    const error = await client
      .send(new TransactWriteItemsCommand({ TransactItems: [put('a'), put('b')] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'TransactionConflict',
      'None',
    ]);
  });

  it('raises the SDK’s own exceptions for throttling and internal errors', async () => {
    faults.inject({
      service: 'dynamodb',
      operation: 'GetItem',
      error: 'ProvisionedThroughputExceededException',
    });
    faults.inject({ service: 'dynamodb', operation: 'GetItem', error: 'InternalServerError' });
    const get = () =>
      client.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'a' } } })).catch((e: unknown) => e);
    expect(await get()).toBeInstanceOf(ProvisionedThroughputExceededException);
    const internal = await get();
    expect(internal).toBeInstanceOf(InternalServerError);
    expect((internal as InternalServerError).$metadata.httpStatusCode).toBe(500);
  });
});
