import { randomUUID } from 'node:crypto';
import type { RuleSpec } from '../../../functions/app/types.ts';
import { defaultRetryPolicy, systemClock, WorkTracker, withRetries } from './delivery.ts';
import { describeError } from './errors.ts';
import { matchesPattern, validatePattern } from './pattern.ts';
import type { Clock, DeadLetter, DeadLetterStore, Invoke, RetryPolicy } from './types.ts';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: Date | string;
  Resources?: string[];
}

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

/** The envelope EventBridge hands a rule's target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface LocalEventBusOptions {
  rules: RuleSpec[];
  /** The project's bus; entries name it (or its ARN) to reach rules with `bus: 'domain'`. */
  domainBusName: string;
  invoke: Invoke;
  /** Rules whose target is a delivery stream put each event there as one record (its JSON). */
  putRecord?: (stream: string, data: Buffer) => void;
  /** Rules whose target is a queue send each event there as one message (its JSON). */
  sendMessage?: (queue: string, body: string) => void;
  deadLetters: DeadLetterStore;
  retry?: RetryPolicy;
  clock?: Clock;
}

/** EventBridge limits an entry (source, detail type, detail, resources) to 256 KB. */
const MAX_ENTRY_BYTES = 256 * 1024;

/**
 * The account's default bus and the project's bus in one process. Routing and matching follow
 * EventBridge; each matching rule's target is invoked asynchronously (after putEvents returned),
 * retried with exponential backoff, and recorded as a dead letter when every attempt failed.
 */
export class LocalEventBus {
  readonly #rules: RuleSpec[];
  readonly #domainBusName: string;
  readonly #invoke: Invoke;
  readonly #putRecord: ((stream: string, data: Buffer) => void) | undefined;
  readonly #sendMessage: ((queue: string, body: string) => void) | undefined;
  readonly #deadLetters: DeadLetterStore;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #work = new WorkTracker();

  constructor(options: LocalEventBusOptions) {
    for (const rule of options.rules) {
      try {
        validatePattern(rule.pattern);
      } catch (error) {
        throw new Error(`Rule ${rule.name} has an invalid event pattern: ${(error as Error).message}`);
      }
    }
    this.#rules = options.rules;
    this.#domainBusName = options.domainBusName;
    this.#invoke = options.invoke;
    this.#putRecord = options.putRecord;
    this.#sendMessage = options.sendMessage;
    for (const rule of options.rules) {
      if (rule.targetKind === 'delivery-stream' && !this.#putRecord)
        throw new Error(`Rule ${rule.name} targets a delivery stream, and there is no Firehose to put to.`);
      if (rule.targetKind === 'queue' && !this.#sendMessage)
        throw new Error(`Rule ${rule.name} targets a queue, and there are no queues to send to.`);
    }
    this.#deadLetters = options.deadLetters;
    this.#retry = options.retry ?? defaultRetryPolicy;
    this.#clock = options.clock ?? systemClock;
  }

  putEvents(entries: PutEventsEntry[]): PutEventsResultEntry[] {
    return entries.map((entry) => this.#put(entry));
  }

  /** Which bus an `EventBusName` (name or ARN) designates; undefined for a bus that does not exist. */
  /** The rules this bus applies, as it was configured (the parity test compares them with AWS). */
  describe(): readonly RuleSpec[] {
    return this.#rules;
  }

  busOf(eventBusName: string | undefined): RuleSpec['bus'] | undefined {
    const name = eventBusName
      ? (/^arn:aws[\w-]*:events:[^:]*:\d*:event-bus\/(.+)$/.exec(eventBusName)?.[1] ?? eventBusName)
      : 'default';
    if (name === 'default') return 'default';
    if (name === this.#domainBusName) return 'domain';
    return undefined;
  }

  /** The rules of `bus` whose pattern matches `event`. */
  rulesFor(event: BusEvent, bus: RuleSpec['bus']): RuleSpec[] {
    return this.#rules.filter((rule) => rule.bus === bus && matchesPattern(rule.pattern, event));
  }

  /** Delivers a dead letter of this bus again; on failure it becomes a new dead letter. */
  async replay(letter: DeadLetter): Promise<void> {
    if (letter.source !== 'bus') throw new Error(`Dead letter ${letter.id} is not from the bus.`);
    const rule = this.#rules.find((r) => r.name === letter.name) ?? {
      name: letter.name,
      target: letter.target,
    };
    await this.#work.track(this.#deliver(rule, letter.payload));
  }

  /** Resolves when no delivery is in flight or waiting for a retry. */
  idle(): Promise<void> {
    return this.#work.idle();
  }

  /** Cancels retries that are waiting; events still in them are dropped, as on a shutdown. */
  close(): void {
    this.#work.close();
  }

  #put(entry: PutEventsEntry): PutEventsResultEntry {
    const invalid = (name: string, reason: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${name} is not valid. Reason: ${reason}`,
    });
    if (!entry.Source) return invalid('Source', 'Source is a required argument.');
    if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
    if (!entry.Detail) return invalid('Detail', 'Detail is a required argument.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const size = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])].reduce(
      (sum, part) => sum + Buffer.byteLength(part),
      0,
    );
    if (size > MAX_ENTRY_BYTES)
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Total size of the entries in the request is over the limit.',
      };
    const bus = this.busOf(entry.EventBusName);
    if (!bus)
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
      };
    const time = entry.Time === undefined ? this.#clock.now() : new Date(entry.Time);
    if (Number.isNaN(time.getTime())) return invalid('Time', 'Time is not a valid timestamp.');
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT,
      // EventBridge writes whole seconds: 2024-05-01T12:00:00Z.
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: LOCAL_REGION,
      resources: entry.Resources ?? [],
      detail: detail as Record<string, unknown>,
    };
    for (const rule of this.rulesFor(event, bus)) {
      this.#work.later(() => this.#deliver(rule, event));
    }
    return { EventId: event.id };
  }

  async #deliver(rule: Pick<RuleSpec, 'name' | 'target' | 'targetKind'>, event: unknown): Promise<void> {
    const attempt =
      rule.targetKind === 'delivery-stream'
        ? async () => this.#putRecord!(rule.target, Buffer.from(JSON.stringify(event)))
        : rule.targetKind === 'queue'
          ? async () => this.#sendMessage!(rule.target, JSON.stringify(event))
          : () => this.#invoke(rule.target, event);
    const outcome = await withRetries(attempt, this.#retry, this.#work);
    if (outcome.ok) return;
    this.#deadLetters.add({
      source: 'bus',
      name: rule.name,
      target: rule.target,
      payload: event,
      error: describeError(outcome.error),
      attempts: outcome.attempts,
    });
  }
}
