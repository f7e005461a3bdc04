import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { batchingWindowSeconds, type QueueSpec } from '../../../functions/app/types.ts';
import { systemClock, WorkTracker } from './delivery.ts';
import { describeError, InvalidParameterValue, QueueDoesNotExist } from './errors.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './event-bus.ts';
import type { Clock, DeadLetter, DeadLetterStore, Invoke } from './types.ts';

/** A message attribute as SendMessage takes it. */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Raw bytes, or base64 text as the JSON protocol carries them. */
  BinaryValue?: Uint8Array | string;
}

export interface OutgoingMessage {
  body: string;
  delaySeconds?: number;
  attributes?: Record<string, MessageAttributeValue>;
}

export interface LocalQueuesOptions {
  queues: QueueSpec[];
  /** Queue URLs are `<prefix><queue name>`, as product code builds them. */
  queueUrlPrefix: string;
  invoke: Invoke;
  deadLetters: DeadLetterStore;
  /** How long a failed message stays invisible before it is delivered again (SQS: the visibility timeout). */
  redeliveryDelayMs?: number;
  clock?: Clock;
}

interface Message {
  id: string;
  body: string;
  md5OfBody: string;
  attributes: SQSMessageAttributes;
  md5OfAttributes?: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  lastRecord?: SQSRecord;
  /** Date.now() when it last became ready: the batching window counts from the oldest ready. */
  readyAt?: number;
  /** Resolves when the message is deleted or moved to the dead letters. */
  done: Promise<void>;
  finish: () => void;
}

interface Queue {
  spec: QueueSpec;
  ready: Message[];
  /** Every message not yet deleted or dead-lettered: ready, delayed, in flight or invisible. */
  live: Set<Message>;
  batchesInFlight: number;
  /** Set while a batch smaller than batchSize waits for its batching window to end. */
  windowTimer?: NodeJS.Timeout;
}

/** SQS's limit on a message (and on a whole batch). */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const DEFAULT_MAX_CONCURRENCY = 5;

/**
 * SQS queues with their Lambda event source mappings: messages are delivered to the queue's
 * consumer in batches of at most `batchSize`, at most `maxConcurrency` batches at once. A batch
 * that throws is delivered again whole; `batchItemFailures` redelivers only the messages it names.
 * Redelivery waits `redeliveryDelayMs`; a message received `maxReceiveCount` times that fails again
 * becomes a dead letter, as SQS's redrive policy would move it to the dead-letter queue.
 *
 * A queue with a batching window (batchingWindowSeconds) holds a batch smaller than batchSize
 * until its oldest message has waited the window, as Lambda's event source mapping does, so a
 * burst of SES events reaches its consumer in the batches it gets on AWS. `idle()` (the runtime's
 * settle) delivers at once what waits, and no window opens until it resolves: settling stays as
 * fast as it was, the way Firehose's buffers are flushed by it.
 */
export class LocalQueues {
  readonly #queues = new Map<string, Queue>();
  readonly #prefix: string;
  readonly #invoke: Invoke;
  readonly #deadLetters: DeadLetterStore;
  readonly #redeliveryDelayMs: number;
  readonly #clock: Clock;
  readonly #work = new WorkTracker();
  #closed = false;
  /** idle() calls in progress: while any is, batches do not wait for their window. */
  #draining = 0;

  constructor(options: LocalQueuesOptions) {
    for (const spec of options.queues) {
      this.#queues.set(spec.name, { spec, ready: [], live: new Set(), batchesInFlight: 0 });
    }
    this.#prefix = options.queueUrlPrefix;
    this.#invoke = options.invoke;
    this.#deadLetters = options.deadLetters;
    this.#redeliveryDelayMs = options.redeliveryDelayMs ?? 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The queues and their consumers, as configured (the parity test compares them with AWS). */
  describe(): QueueSpec[] {
    return [...this.#queues.values()].map((queue) => queue.spec);
  }

  queueUrl(queueName: string): string {
    return `${this.#prefix}${this.#queue(queueName).spec.name}`;
  }

  /** The queue a name or URL designates; throws QueueDoesNotExist. */
  resolve(queueNameOrUrl: string): QueueSpec {
    return this.#queue(queueNameOrUrl).spec;
  }

  /** Enqueues messages and returns their message ids, in order. */
  send(queueNameOrUrl: string, messages: OutgoingMessage[]): string[] {
    const queue = this.#queue(queueNameOrUrl);
    for (const message of messages) validateMessage(message);
    return messages.map((outgoing) => {
      const message = this.#message(outgoing.body, outgoing.attributes);
      queue.live.add(message);
      const delay = outgoing.delaySeconds ?? 0;
      if (delay > 0) {
        this.#work.track(
          this.#work.sleep(delay * 1000).then(
            () => this.#enqueue(queue, message),
            () => undefined,
          ),
        );
      } else {
        this.#enqueue(queue, message);
      }
      return message.id;
    });
  }

  /** Messages of the queue not yet deleted or dead-lettered (waiting, delayed or in flight). */
  depth(queueNameOrUrl: string): number {
    return this.#queue(queueNameOrUrl).live.size;
  }

  /**
   * Sends a dead letter's message to its queue again (as SQS's redrive does) and resolves once it
   * has been consumed or has become a dead letter again.
   */
  async replay(letter: DeadLetter): Promise<void> {
    if (letter.source !== 'queue') throw new Error(`Dead letter ${letter.id} is not from a queue.`);
    const record = (letter.payload as { Records?: SQSRecord[] })?.Records?.[0];
    if (!record) throw new Error(`Dead letter ${letter.id} carries no SQS record.`);
    const queue = this.#queue(letter.name);
    const message = this.#message(record.body, undefined);
    message.attributes = record.messageAttributes ?? {};
    if (Object.keys(message.attributes).length) message.md5OfAttributes = record.md5OfMessageAttributes;
    queue.live.add(message);
    this.#enqueue(queue, message);
    await message.done;
  }

  /** Resolves when every queue is empty and nothing is in flight, delayed or waiting to be redelivered. */
  async idle(): Promise<void> {
    this.#draining++;
    try {
      for (const queue of this.#queues.values()) {
        this.#closeWindow(queue);
        this.#pump(queue);
      }
      await this.#work.idle();
    } finally {
      this.#draining--;
    }
  }

  /**
   * Stops delivering: delays and redeliveries that are waiting are cancelled and messages not yet
   * delivered are dropped; batches in flight finish (`idle()` waits for them).
   */
  close(): void {
    this.#closed = true;
    for (const queue of this.#queues.values()) this.#closeWindow(queue);
    this.#work.close();
  }

  #closeWindow(queue: Queue): void {
    if (queue.windowTimer) clearTimeout(queue.windowTimer);
    queue.windowTimer = undefined;
  }

  /** Whether a batch should wait for more messages; if so, a timer pumps when the window ends. */
  #waitsForBatch(queue: Queue): boolean {
    const windowMs = batchingWindowSeconds(queue.spec) * 1000;
    if (!windowMs || this.#draining > 0 || queue.ready.length >= queue.spec.batchSize) return false;
    const waited = Date.now() - (queue.ready[0]!.readyAt ?? 0);
    if (waited >= windowMs) return false;
    queue.windowTimer ??= setTimeout(() => {
      queue.windowTimer = undefined;
      this.#pump(queue);
    }, windowMs - waited);
    return true;
  }

  #queue(nameOrUrl: string): Queue {
    const name = nameOrUrl.startsWith(this.#prefix)
      ? nameOrUrl.slice(this.#prefix.length)
      : /^https?:\/\//.test(nameOrUrl)
        ? (nameOrUrl.split('/').at(-1) ?? '')
        : nameOrUrl;
    const queue = this.#queues.get(name);
    if (!queue) throw new QueueDoesNotExist(nameOrUrl);
    return queue;
  }

  #message(body: string, attributes: Record<string, MessageAttributeValue> | undefined): Message {
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const hasAttributes = attributes && Object.keys(attributes).length > 0;
    return {
      id: randomUUID(),
      body,
      md5OfBody: md5(body),
      attributes: hasAttributes ? lambdaAttributes(attributes) : {},
      ...(hasAttributes ? { md5OfAttributes: md5OfMessageAttributes(attributes) } : {}),
      sentAt: this.#clock.now().getTime(),
      receiveCount: 0,
      done,
      finish,
    };
  }

  #enqueue(queue: Queue, message: Message): void {
    message.readyAt = Date.now();
    queue.ready.push(message);
    // On a later turn, so messages sent together travel in one batch (the batching window).
    this.#work.later(async () => this.#pump(queue));
  }

  #pump(queue: Queue): void {
    if (this.#closed) return;
    const concurrency = queue.spec.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    while (queue.batchesInFlight < concurrency && queue.ready.length) {
      if (this.#waitsForBatch(queue)) return;
      const batch = queue.ready.splice(0, queue.spec.batchSize);
      queue.batchesInFlight++;
      this.#work.track(
        this.#deliver(queue, batch).finally(() => {
          queue.batchesInFlight--;
          this.#pump(queue);
        }),
      );
    }
  }

  async #deliver(queue: Queue, batch: Message[]): Promise<void> {
    const now = this.#clock.now().getTime();
    const records = batch.map((message) => {
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.lastRecord = this.#record(queue, message);
      return message.lastRecord;
    });
    let failed: Set<Message>;
    let error: string;
    try {
      const result = await this.#invoke(queue.spec.consumer, { Records: records });
      failed = reportedFailures(result, batch);
      error = 'The consumer reported the message as a batch item failure.';
    } catch (thrown) {
      failed = new Set(batch);
      error = describeError(thrown);
    }
    const retries: Message[] = [];
    for (const message of batch) {
      if (!failed.has(message)) {
        this.#settle(queue, message);
      } else if (message.receiveCount >= queue.spec.maxReceiveCount) {
        this.#deadLetters.add({
          source: 'queue',
          name: queue.spec.name,
          target: queue.spec.consumer,
          payload: { Records: [message.lastRecord] },
          error,
          attempts: message.receiveCount,
        });
        this.#settle(queue, message);
      } else {
        retries.push(message);
      }
    }
    // One timer for the batch's failures: separate timers may fire on different turns under load
    // and split messages that failed together into batches of one.
    if (retries.length) {
      this.#work.track(
        this.#work.sleep(this.#redeliveryDelayMs).then(
          () => {
            for (const message of retries) this.#enqueue(queue, message);
          },
          () => undefined,
        ),
      );
    }
  }

  #settle(queue: Queue, message: Message): void {
    queue.live.delete(message);
    message.finish();
  }

  #record(queue: Queue, message: Message): SQSRecord {
    return {
      messageId: message.id,
      receiptHandle: randomBytes(48).toString('base64'),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: LOCAL_ACCOUNT,
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
      },
      messageAttributes: message.attributes,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfAttributes ? { md5OfMessageAttributes: message.md5OfAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${queue.spec.name}`,
      awsRegion: LOCAL_REGION,
    };
  }
}

/**
 * The messages a consumer's `{ batchItemFailures }` answer names. As Lambda does, an identifier
 * that names no message of the batch fails the whole batch.
 */
function reportedFailures(result: unknown, batch: Message[]): Set<Message> {
  const failures = (result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return new Set();
  const byId = new Map(batch.map((m) => [m.id, m]));
  const failed = new Set<Message>();
  for (const failure of failures) {
    const message = byId.get((failure as { itemIdentifier?: unknown } | null)?.itemIdentifier as string);
    if (!message) return new Set(batch);
    failed.add(message);
  }
  return failed;
}

function validateMessage(message: OutgoingMessage): void {
  if (typeof message.body !== 'string' || message.body.length === 0)
    throw new InvalidParameterValue('The message body must be a non-empty string.');
  if (Buffer.byteLength(message.body) > MAX_MESSAGE_BYTES)
    throw new InvalidParameterValue(`The message body must be at most ${MAX_MESSAGE_BYTES} bytes long.`);
  if (hasInvalidCharacters(message.body))
    throw new InvalidParameterValue('The message body contains characters outside the allowed set.');
  const delay = message.delaySeconds ?? 0;
  if (!Number.isInteger(delay) || delay < 0 || delay > 900)
    throw new InvalidParameterValue(
      `Value ${delay} for parameter DelaySeconds is invalid. Reason: must be 0-900.`,
    );
}

/** SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF. */
function hasInvalidCharacters(text: string): boolean {
  for (const character of text) {
    const c = character.codePointAt(0) as number;
    const allowed =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      c >= 0x10000;
    if (!allowed) return true;
  }
  return false;
}

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function bytesOf(value: Uint8Array | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
}

/** SQS's MD5OfMessageAttributes: names sorted, each part length-prefixed (big-endian uint32). */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const part = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name] as MessageAttributeValue;
    part(Buffer.from(name, 'utf8'));
    part(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.BinaryValue !== undefined && attribute.DataType.startsWith('Binary')) {
      hash.update(Buffer.from([2]));
      part(bytesOf(attribute.BinaryValue));
    } else {
      hash.update(Buffer.from([1]));
      part(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

function lambdaAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      {
        ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
        ...(a.BinaryValue !== undefined ? { binaryValue: bytesOf(a.BinaryValue).toString('base64') } : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: a.DataType,
      },
    ]),
  );
}
