import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * Faults on demand, for tests and for trying the product under failure by hand: one registry the
 * stand-ins consult before they answer. A fault names a service, optionally an operation, what goes
 * wrong, and how often: the next `times` matching calls, or each matching call with `probability`,
 * drawn from one seeded generator so that a run with the same seed and the same order of calls
 * fails the same calls.
 *
 * - `dynamodb` (the proxy in front of DynamoDB Local, dynamodb-faults.ts): the operation is the API
 *   action (`TransactWriteItems`, `PutItem`...); the error is answered instead of forwarding the
 *   call, so nothing is written, as DynamoDB writes nothing when it answers these.
 * - `ses` (the SES front): the operation is `SendEmail`, `SendBulkEmail`...; nothing is sent.
 * - `lambda` (the local Lambda invoker): the operation is the function; `CrashAfterCommit` lets
 *   the handler run to its end (its writes commit, its mail goes) and then reports the invocation
 *   failed, as a function killed before it answered: the caller retries or redelivers.
 * - `sqs`, `streams`, `events`, `scheduler` (the deliveries to functions): the operation is the
 *   function delivered to; `Duplicate` delivers the same message, batch of stream records, event
 *   or schedule firing a second time once the first delivery succeeded, `ConcurrentDuplicate`
 *   delivers both at once, as at-least-once delivery allows.
 */
export const FAULT_ERRORS = {
  dynamodb: [
    'ThrottlingException',
    'ProvisionedThroughputExceededException',
    'TransactionCanceledException',
    'InternalServerError',
  ],
  ses: ['TooManyRequestsException', 'LimitExceededException', 'SendingPausedException', 'InternalFailure'],
  lambda: ['CrashAfterCommit'],
  sqs: ['Duplicate', 'ConcurrentDuplicate'],
  streams: ['Duplicate', 'ConcurrentDuplicate'],
  events: ['Duplicate', 'ConcurrentDuplicate'],
  scheduler: ['Duplicate', 'ConcurrentDuplicate'],
} as const;

export type FaultService = keyof typeof FAULT_ERRORS;
export type DeliveryService = 'sqs' | 'streams' | 'events' | 'scheduler';

export interface FaultSpec {
  service: FaultService;
  /** The operation or function the fault applies to; every one of the service's when absent. */
  operation?: string;
  error: string;
  /** The next `times` matching calls fail (default 1 when no probability is given). */
  times?: number;
  /** Each matching call fails with this probability, from the seeded generator, until cleared. */
  probability?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  /** How many calls it has failed so far. */
  injected: number;
}

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

export class LocalFaults {
  #faults: Fault[] = [];
  #generator: ReturnType<typeof xoroshiro128plus>;
  #seed: number;
  #next = 1;
  readonly #unavailable = new Map<FaultService, string>();

  constructor(seed = 1) {
    this.#seed = seed;
    this.#generator = xoroshiro128plus(seed);
  }

  get seed(): number {
    return this.#seed;
  }

  /** Starts the random draws again from `seed`. */
  reseed(seed: number): void {
    if (!Number.isSafeInteger(seed)) throw new FaultSpecError('The seed must be an integer.');
    this.#seed = seed;
    this.#generator = xoroshiro128plus(seed);
  }

  /** Says why faults of `service` cannot be injected in this runtime (inject refuses them). */
  unavailable(service: FaultService, reason: string): void {
    this.#unavailable.set(service, reason);
  }

  inject(spec: FaultSpec): Fault {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
      throw new FaultSpecError(
        'A fault is an object: { service, operation?, error, times? | probability? }.',
      );
    const errors = Object.hasOwn(FAULT_ERRORS, spec.service)
      ? (FAULT_ERRORS[spec.service] as readonly string[])
      : undefined;
    if (!errors)
      throw new FaultSpecError(
        `No service ${String(spec.service)}: one of ${Object.keys(FAULT_ERRORS).join(', ')}.`,
      );
    const reason = this.#unavailable.get(spec.service);
    if (reason) throw new FaultSpecError(reason);
    if (!errors.includes(spec.error))
      throw new FaultSpecError(
        `${spec.service} cannot fail with ${String(spec.error)}: one of ${errors.join(', ')}.`,
      );
    if (spec.operation !== undefined && (typeof spec.operation !== 'string' || !spec.operation))
      throw new FaultSpecError('operation, when given, names an operation or a function.');
    if (spec.times !== undefined && spec.probability !== undefined)
      throw new FaultSpecError('Give times or probability, not both.');
    if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0))
      throw new FaultSpecError('times is a whole number of calls, at least 1.');
    if (
      spec.probability !== undefined &&
      !(typeof spec.probability === 'number' && spec.probability > 0 && spec.probability <= 1)
    )
      throw new FaultSpecError('probability is a number above 0, at most 1.');
    const fault: Fault = {
      id: `fault-${this.#next++}`,
      service: spec.service,
      ...(spec.operation ? { operation: spec.operation } : {}),
      error: spec.error,
      ...(spec.probability !== undefined ? { probability: spec.probability } : { times: spec.times ?? 1 }),
      injected: 0,
    };
    this.#faults.push(fault);
    return { ...fault };
  }

  /** The faults still armed (those with `times` left, and every probabilistic one). */
  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Removes one fault, or all of them. */
  clear(id?: string): void {
    if (id === undefined) this.#faults = [];
    else this.#faults = this.#faults.filter((f) => f.id !== id);
  }

  /**
   * The fault this call meets, if any: the first armed fault of the service for the operation
   * whose error `applies` to it (a transaction's cancellation does not apply to a PutItem). A fault
   * with `times` is spent by one; one with a probability draws from the generator.
   */
  take(
    service: FaultService,
    operation: string | undefined,
    applies: (error: string) => boolean = () => true,
  ): Fault | undefined {
    for (const fault of this.#faults) {
      if (fault.service !== service) continue;
      if (fault.operation !== undefined && fault.operation !== operation) continue;
      if (!applies(fault.error)) continue;
      if (fault.probability !== undefined) {
        if (uniformFloat64(this.#generator) >= fault.probability) continue;
      } else {
        fault.times = (fault.times ?? 1) - 1;
        if (fault.times <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
      }
      fault.injected++;
      return { ...fault };
    }
    return undefined;
  }

  /**
   * Wraps the invoke a stand-in delivers with, so that a `Duplicate` fault of `service` for the
   * target function delivers the same event twice (one after the other, or both at once).
   */
  deliveries<E>(
    service: DeliveryService,
    invoke: (name: string, event: E) => Promise<unknown>,
  ): (name: string, event: E) => Promise<unknown> {
    return async (name, event) => {
      const fault = this.take(service, name);
      if (!fault) return invoke(name, event);
      if (fault.error === 'ConcurrentDuplicate') {
        const [first] = await Promise.all([invoke(name, structuredClone(event)), invoke(name, event)]);
        return first;
      }
      const first = await invoke(name, structuredClone(event));
      await invoke(name, event);
      return first;
    };
  }
}

/**
 * `/_local/faults`: GET lists the armed faults and the seed; POST arms one (a FaultSpec as JSON,
 * answered 201 with its id); POST `/_local/faults/seed` `{ "seed": n }` starts the draws again;
 * DELETE clears all of them, DELETE `/_local/faults/{id}` one.
 */
export function answerFaultRequest(
  faults: LocalFaults,
  method: string,
  path: string[],
  body: Buffer,
): { status: number; body: unknown } | undefined {
  const input = () => (body.byteLength ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {});
  if (path.length === 0 && method === 'GET')
    return { status: 200, body: { seed: faults.seed, items: faults.list() } };
  if (path.length === 0 && method === 'POST')
    return { status: 201, body: faults.inject(input() as unknown as FaultSpec) };
  if (path.length === 0 && method === 'DELETE') {
    faults.clear();
    return { status: 200, body: { items: [] } };
  }
  if (path.length === 1 && path[0] === 'seed' && method === 'POST') {
    faults.reseed(input().seed as number);
    return { status: 200, body: { seed: faults.seed } };
  }
  if (path.length === 1 && method === 'DELETE') {
    faults.clear(path[0]);
    return { status: 200, body: { seed: faults.seed, items: faults.list() } };
  }
  return undefined;
}
