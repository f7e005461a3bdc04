import { decorrelatedJitterGenerator, type IExponentialBackoffOptions } from 'cockatiel';

/**
 * When a failed delivery is tried again: exponential backoff with decorrelated jitter (cockatiel's
 * generator, the one Polly settled on), so a receiver that comes back after an outage is not hit
 * by every delivery at once. The generator's state (attempt and previous value) is stored with the
 * delivery: each retry is a separate message, possibly on another machine, and still continues
 * the same sequence. Median delays are about base, base, 2 x base, 4 x base... capped at 12 hours,
 * and retries stop 3 days after the first attempt, with a last one at that moment: about 18
 * attempts with the 30-second base (docs/webhooks.md, Retries).
 */
export const RETRY_HORIZON_MS = 3 * 86_400_000;
export const MAX_RETRY_DELAY_MS = 12 * 3_600_000;

export type BackoffState = [number, number];

export interface NextRetry {
  at: Date;
  state: BackoffState;
}

/** The next retry after a failure at `now`, or undefined when the horizon has passed. */
export function nextRetry(
  now: Date,
  firstAttemptAt: Date,
  state: BackoffState | undefined,
  baseSeconds: number,
): NextRetry | undefined {
  const horizon = firstAttemptAt.getTime() + RETRY_HORIZON_MS;
  if (now.getTime() >= horizon) return undefined;
  const options: IExponentialBackoffOptions<BackoffState> = {
    generator: decorrelatedJitterGenerator,
    initialDelay: baseSeconds * 1000,
    maxDelay: MAX_RETRY_DELAY_MS,
    exponent: 2,
  };
  const [delay, next] = decorrelatedJitterGenerator(state, options);
  return { at: new Date(Math.min(now.getTime() + delay, horizon)), state: next };
}
