import { PreconditionFailedError, UnavailableError } from '../errors.ts';
import { backOff } from '../retry.ts';
import { isTransientCancellation } from './contention.ts';

// Apart from contention.ts, which problem.ts (in every function, the fallback included) imports:
// only the functions that write load this.

/**
 * Runs a read-modify-write (`change` reads the record, applies the request to it and commits on
 * the version it read) so that, without `If-Match`, the last writer wins as the API conventions
 * promise: when another write committed between the read and the commit (the version condition
 * failed, PreconditionFailedError), the change is read and applied again on the new version,
 * with exponential backoff and full jitter so that concurrent writers spread out. A caller that
 * pinned a version (`If-Match: "<n>"`) gets the 412 at once. After the attempts, the answer is
 * 503 with Retry-After: nothing was written, the same request can be sent again.
 */
export async function lastWriterWins<T>(pinned: boolean, change: () => Promise<T>): Promise<T> {
  if (pinned) return change();
  return retryWhileRaced(
    change,
    (error) => error instanceof PreconditionFailedError,
    'The resource kept changing while this change was applied to it; nothing was written. Send the same request again shortly.',
  );
}

/**
 * Runs `attempt` (which reads, decides and commits) again while `raced` says another writer got
 * there first (a counter's number taken, a record's version moved), with exponential backoff and
 * full jitter so that concurrent writers spread out. Once the attempts are spent: 503 with
 * Retry-After and `busy`, nothing written.
 */
export async function retryWhileRaced<T>(
  attempt: () => Promise<T>,
  raced: (error: unknown) => boolean,
  busy: string,
): Promise<T> {
  try {
    return await backOff(attempt, {
      numOfAttempts: LAST_WRITER_ATTEMPTS,
      startingDelay: 5,
      timeMultiple: 2,
      maxDelay: 400,
      jitter: 'full',
      retry: raced,
    });
  } catch (error) {
    if (raced(error)) throw new UnavailableError(busy, 1, { cause: error });
    throw error;
  }
}

/** Enough for a dozen writers racing on one record: each round, one of them commits. */
const LAST_WRITER_ATTEMPTS = 12;

/**
 * Sends a transaction again while it is cancelled only by other transactions or throttling
 * (never by one of its conditions: those are answers), with exponential backoff and full jitter.
 */
export function withTransientRetries<T>(send: () => Promise<T>, attempts = 6): Promise<T> {
  return backOff(send, {
    numOfAttempts: attempts,
    startingDelay: 10,
    timeMultiple: 2,
    maxDelay: 500,
    jitter: 'full',
    retry: (error) => isTransientCancellation(error),
  });
}
