/**
 * Contracts between the local runtime (infra/local/runtime.ts) and the local stand-ins for AWS
 * services (this folder). The runtime owns loading and invoking handler modules; the stand-ins
 * own delivery semantics (matching, batching, retries, dead letters).
 */

/** Invokes a declared function by name with an event of the shape AWS would send it. */
export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

/** Something that could not be delivered after its retries; listable and replayable. */
export interface DeadLetter {
  id: string;
  source: 'bus' | 'queue' | 'stream' | 'scheduler' | 's3';
  /** The rule, queue, stream consumer, schedule or bucket notification that was delivering. */
  name: string;
  /** The function that failed. */
  target: string;
  /** The event exactly as it was handed to the function. */
  payload: unknown;
  error: string;
  attempts: number;
  failedAt: string;
}

export interface DeadLetterStore {
  add(letter: Omit<DeadLetter, 'id' | 'failedAt'>): DeadLetter;
  list(): DeadLetter[];
  /** Removes and returns the letter (replay puts it back if it fails again). */
  take(id: string): DeadLetter | undefined;
}

export interface Clock {
  now(): Date;
}

/** How often a delivery is tried before it becomes a dead letter, and the first backoff. */
export interface RetryPolicy {
  attempts: number;
  delayMs: number;
}
