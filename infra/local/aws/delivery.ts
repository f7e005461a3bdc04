import type { Clock, RetryPolicy } from './types.ts';

/** What AWS gives asynchronous deliveries by default, scaled down to a developer's patience. */
export const defaultRetryPolicy: RetryPolicy = { attempts: 3, delayMs: 200 };

export const systemClock: Clock = { now: () => new Date() };

/** Thrown into work that was waiting for a retry when its stand-in was closed. */
export class DeliveryCancelled extends Error {
  override name = 'DeliveryCancelled';
}

export type Outcome =
  | { ok: true; result: unknown; attempts: number }
  | { ok: false; error: unknown; attempts: number };

/**
 * Keeps count of deliveries in flight (so `idle()` can wait for them) and of backoff timers (so
 * `close()` can cancel them and nothing is left holding the process open).
 */
export class WorkTracker {
  #work = new Set<Promise<unknown>>();
  #sleeping = new Map<NodeJS.Timeout, (error: Error) => void>();
  #closed = false;

  /** Runs `job` on a later turn of the event loop, so the caller returns before it starts. */
  later(job: () => Promise<unknown>): void {
    if (this.#closed) return;
    this.track(
      new Promise<void>((resolve) => setImmediate(resolve)).then(() => (this.#closed ? undefined : job())),
    );
  }

  track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.#work.add(settled);
    void settled.then(() => this.#work.delete(settled));
    return promise;
  }

  sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.reject(new DeliveryCancelled('closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#sleeping.delete(timer);
        resolve();
      }, ms);
      this.#sleeping.set(timer, reject);
    });
  }

  /** Resolves when nothing is in flight, including work started by work that was in flight. */
  async idle(): Promise<void> {
    while (this.#work.size) await Promise.all([...this.#work]);
  }

  close(): void {
    this.#closed = true;
    for (const [timer, reject] of this.#sleeping) {
      clearTimeout(timer);
      reject(new DeliveryCancelled('closed'));
    }
    this.#sleeping.clear();
  }
}

/**
 * Tries `attempt` up to `policy.attempts` times, waiting `delayMs`, then twice that, and so on
 * between tries. Never throws for a failed attempt: the caller decides what a failure becomes.
 * Throws DeliveryCancelled when the tracker closes during a wait.
 */
export async function withRetries(
  attempt: () => Promise<unknown>,
  policy: RetryPolicy,
  tracker: WorkTracker,
): Promise<Outcome> {
  const attempts = Math.max(1, policy.attempts);
  let lastError: unknown;
  for (let n = 1; n <= attempts; n++) {
    if (n > 1) await tracker.sleep(policy.delayMs * 2 ** (n - 2));
    try {
      return { ok: true, result: await attempt(), attempts: n };
    } catch (error) {
      lastError = error;
    }
  }
  return { ok: false, error: lastError, attempts };
}
