import { createHash } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { QueueSpec } from '../../../functions/app/types.ts';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import { InvalidParameterValue, QueueDoesNotExist } from '../../../infra/local/aws/errors.ts';
import { LocalQueues, md5OfMessageAttributes } from '../../../infra/local/aws/queues.ts';

const PREFIX = 'http://127.0.0.1:4010/000000000000/';

const spec = (overrides: Partial<QueueSpec> = {}): QueueSpec => ({
  name: 'campaign-sends',
  description: '',
  consumer: 'send-campaign-batch',
  batchSize: 3,
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 3,
  ...overrides,
});

type Consumer = (event: SQSEvent, call: number) => Promise<unknown>;

function setup(consumer: Consumer = async () => undefined, queue: Partial<QueueSpec> = {}) {
  const batches: SQSEvent[] = [];
  const deadLetters = new MemoryDeadLetters();
  const queues = new LocalQueues({
    queues: [spec(queue)],
    queueUrlPrefix: PREFIX,
    deadLetters,
    redeliveryDelayMs: 1,
    clock: { now: () => new Date('2025-03-01T10:00:00Z') },
    invoke: async (target, event) => {
      expect(target).toBe('send-campaign-batch');
      batches.push(structuredClone(event as SQSEvent));
      return consumer(event as SQSEvent, batches.length);
    },
  });
  const bodies = (event: SQSEvent | undefined) => event?.Records.map((r) => r.body) ?? [];
  return { queues, batches, deadLetters, bodies };
}

const messages = (...bodies: string[]) => bodies.map((body) => ({ body }));

describe('LocalQueues', () => {
  it('delivers messages in batches of at most batchSize, in the SQS event shape', async () => {
    const { queues, batches, bodies } = setup();
    const ids = queues.send('campaign-sends', messages('m1', 'm2', 'm3', 'm4'));
    expect(ids).toHaveLength(4);
    await queues.idle();
    expect(batches.map(bodies)).toEqual([['m1', 'm2', 'm3'], ['m4']]);
    const record = batches[0]?.Records[0];
    expect(record).toEqual({
      messageId: ids[0],
      receiptHandle: expect.any(String),
      body: 'm1',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.parse('2025-03-01T10:00:00Z')),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: String(Date.parse('2025-03-01T10:00:00Z')),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update('m1').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:campaign-sends',
      awsRegion: 'us-east-1',
    });
    expect(queues.depth('campaign-sends')).toBe(0);
  });

  it('accepts the queue URL product code builds, and refuses an unknown queue', () => {
    const { queues } = setup();
    expect(queues.send(`${PREFIX}campaign-sends`, messages('m1'))).toHaveLength(1);
    expect(queues.queueUrl('campaign-sends')).toBe(`${PREFIX}campaign-sends`);
    expect(() => queues.send('imports', messages('m1'))).toThrow(QueueDoesNotExist);
  });

  it('redelivers only the messages a batchItemFailures answer names', async () => {
    const { queues, batches, bodies, deadLetters } = setup(async (event, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }] } : {},
    );
    queues.send('campaign-sends', messages('m1', 'm2', 'm3'));
    await queues.idle();
    expect(batches.map(bodies)).toEqual([['m1', 'm2', 'm3'], ['m2']]);
    expect(batches[1]?.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(batches[1]?.Records[0]?.messageId).toBe(batches[0]?.Records[1]?.messageId);
    expect(deadLetters.list()).toEqual([]);
  });

  it('redelivers the whole batch when the consumer throws', async () => {
    const { queues, batches, bodies } = setup(async (_, call) => {
      if (call === 1) throw new Error('throttled');
    });
    queues.send('campaign-sends', messages('m1', 'm2'));
    await queues.idle();
    expect(batches.map(bodies)).toEqual([
      ['m1', 'm2'],
      ['m1', 'm2'],
    ]);
  });

  it('treats an identifier that names no message of the batch as a failure of the whole batch', async () => {
    const { queues, batches, bodies } = setup(async (_, call) =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] } : undefined,
    );
    queues.send('campaign-sends', messages('m1', 'm2'));
    await queues.idle();
    expect(batches.map(bodies)).toEqual([
      ['m1', 'm2'],
      ['m1', 'm2'],
    ]);
  });

  it('moves a message that keeps failing to the dead letters after maxReceiveCount receives', async () => {
    const { queues, batches, deadLetters } = setup(async (event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
        itemIdentifier: r.messageId,
      })),
    }));
    queues.send('campaign-sends', messages('ok', 'poison'));
    await queues.idle();
    expect(batches.flatMap((b) => b.Records.map((r) => r.body))).toEqual([
      'ok',
      'poison',
      'poison',
      'poison',
    ]);
    const [letter] = deadLetters.list();
    expect(letter).toMatchObject({
      source: 'queue',
      name: 'campaign-sends',
      target: 'send-campaign-batch',
      attempts: 3,
      payload: { Records: [{ body: 'poison', attributes: { ApproximateReceiveCount: '3' } }] },
    });
    expect(queues.depth('campaign-sends')).toBe(0);
  });

  it('replays a dead letter through the queue once the consumer is fixed', async () => {
    let fixed = false;
    const { queues, batches, deadLetters } = setup(async () => {
      if (!fixed) throw new Error('bug');
    });
    queues.send('campaign-sends', messages('m1'));
    await queues.idle();
    fixed = true;
    await queues.replay(deadLetters.take(deadLetters.list()[0]!.id)!);
    expect(deadLetters.list()).toEqual([]);
    expect(batches.at(-1)?.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([
      ['m1', '1'],
    ]);
  });

  it('never has more than maxConcurrency batches in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const { queues, batches } = setup(
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
      { batchSize: 1, maxConcurrency: 2 },
    );
    queues.send('campaign-sends', messages('a', 'b', 'c', 'd', 'e'));
    await queues.idle();
    expect(batches).toHaveLength(5);
    expect(most).toBe(2);
  });

  describe('with a batching window (a batch over ten messages)', () => {
    // Timers and the clock are faked so that nothing here waits: a delivery made before the
    // window's timer is advanced did not wait for it.
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));

    it('holds a batch smaller than batchSize for the window, so messages sent apart travel together', async () => {
      const { queues, batches, bodies } = setup(async () => undefined, { batchSize: 20 });
      queues.send('campaign-sends', messages('a', 'b'));
      await turn();
      vi.advanceTimersByTime(400);
      queues.send('campaign-sends', messages('c'));
      await turn();
      expect(batches).toEqual([]);
      // One second, as Lambda's window, counted from the oldest message.
      vi.advanceTimersByTime(600);
      await turn();
      expect(batches.map(bodies)).toEqual([['a', 'b', 'c']]);
    });

    it('delivers a full batch without waiting for the window', async () => {
      const { queues, batches } = setup(async () => undefined, { batchSize: 20 });
      queues.send('campaign-sends', messages(...Array.from({ length: 25 }, (_, i) => `m${i}`)));
      await turn();
      expect(batches.map((b) => b.Records.length)).toEqual([20]);
    });

    it('delivers what waits for a window at once when the runtime settles', async () => {
      const { queues, batches, bodies } = setup(async () => undefined, { batchSize: 20 });
      queues.send('campaign-sends', messages('a'));
      await queues.idle();
      expect(batches.map(bodies)).toEqual([['a']]);
    });
  });

  it('counts a message in the depth until it is consumed', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { queues } = setup(() => held);
    queues.send('campaign-sends', messages('m1', 'm2'));
    expect(queues.depth('campaign-sends')).toBe(2);
    release();
    await queues.idle();
    expect(queues.depth('campaign-sends')).toBe(0);
  });

  it('refuses what SQS refuses: an empty body, a delay over 15 minutes, characters SQS does not allow', () => {
    const { queues } = setup();
    expect(() => queues.send('campaign-sends', [{ body: '' }])).toThrow(InvalidParameterValue);
    expect(() => queues.send('campaign-sends', [{ body: 'x', delaySeconds: 901 }])).toThrow(
      InvalidParameterValue,
    );
    expect(() => queues.send('campaign-sends', [{ body: 'bell \u0007' }])).toThrow(InvalidParameterValue);
    expect(() => queues.send('campaign-sends', [{ body: 'x'.repeat(256 * 1024 + 1) }])).toThrow(
      InvalidParameterValue,
    );
    expect(queues.depth('campaign-sends')).toBe(0);
  });

  it('close lets the batch in flight finish and starts no other', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { queues, batches, bodies } = setup(() => held, { batchSize: 1, maxConcurrency: 1 });
    queues.send('campaign-sends', messages('m1', 'm2', 'm3'));
    while (batches.length === 0) await new Promise((resolve) => setImmediate(resolve));
    queues.close();
    release();
    await queues.idle();
    expect(batches.map(bodies)).toEqual([['m1']]);
  });

  it('close drops delayed messages, so idle does not wait for them', async () => {
    const { queues, batches } = setup();
    queues.send('campaign-sends', [{ body: 'later', delaySeconds: 900 }]);
    queues.close();
    await queues.idle();
    expect(batches).toEqual([]);
  });

  it('passes message attributes in the Lambda shape, with the digest SQS computes', async () => {
    const { queues, batches } = setup();
    queues.send('campaign-sends', [
      {
        body: 'm1',
        attributes: {
          tenantId: { DataType: 'String', StringValue: 't1' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
        },
      },
    ]);
    await queues.idle();
    const record = batches[0]?.Records[0];
    expect(record?.messageAttributes).toEqual({
      tenantId: { stringValue: 't1', stringListValues: [], binaryListValues: [], dataType: 'String' },
      blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
    expect(record?.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
  });

  it('computes MD5OfMessageAttributes with the encoding SQS documents', () => {
    // One String attribute: 4-byte lengths before name, type and value, and transport byte 1.
    const name = Buffer.from('tenantId');
    const type = Buffer.from('String');
    const value = Buffer.from('t1');
    const length = (b: Buffer) => Buffer.from([0, 0, 0, b.length]);
    const expected = createHash('md5')
      .update(Buffer.concat([length(name), name, length(type), type, Buffer.from([1]), length(value), value]))
      .digest('hex');
    expect(md5OfMessageAttributes({ tenantId: { DataType: 'String', StringValue: 't1' } })).toBe(expected);
  });
});
