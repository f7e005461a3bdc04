import { backOff } from 'exponential-backoff';
import { PreconditionFailedError, UnavailableError } from '../errors.ts';

/**
 * DynamoDB's answers that mean "not now" rather than "not this": the table or a partition is
 * throttling, or a transaction met another one on the same item. Recognised by name, so that
 * the one place that maps errors to HTTP does not load the DynamoDB client into every function.
 */
const CAPACITY_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

/** Cancellation reasons of a transaction that a later attempt can overcome. */
const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

interface AwsLikeError {
  name?: unknown;
  CancellationReasons?: Array<{ Code?: string }>;
}

/** A transaction cancelled only because of others (conflicts, throttling), not by a condition. */
export function isTransientCancellation(error: unknown): boolean {
  const e = error as AwsLikeError | undefined;
  if (e?.name !== 'TransactionCanceledException') return false;
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None').filter((c) => c !== 'None');
  return codes.length > 0 && codes.every((code) => TRANSIENT_REASONS.has(code));
}

export function isContention(error: unknown): boolean {
  const name = (error as AwsLikeError | undefined)?.name;
  return (typeof name === 'string' && CAPACITY_ERRORS.has(name)) || isTransientCancellation(error);
}

/**
 * The domain error a contention becomes once retries are spent: 503 with `Retry-After`, nothing
 * written (a cancelled transaction and a throttled call change nothing).
 */
export function contentionError(error: unknown): UnavailableError {
  return new UnavailableError(
    'The records this request changes are busy with other changes right now; nothing was written. Send the same request again shortly.',
    1,
    { cause: error },
  );
}

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
  try {
    return await backOff(change, {
      numOfAttempts: LAST_WRITER_ATTEMPTS,
      startingDelay: 5,
      timeMultiple: 2,
      maxDelay: 400,
      jitter: 'full',
      retry: (error) => error instanceof PreconditionFailedError,
    });
  } catch (error) {
    if (error instanceof PreconditionFailedError)
      throw new UnavailableError(
        'The resource kept changing while this change was applied to it; nothing was written. Send the same request again shortly.',
        1,
        { cause: error },
      );
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
