import { ConflictError, UnavailableError } from '../errors.ts';

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
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
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
 * A condition of the write failed and its unit of work named no domain error for it (a record
 * deleted by a request a moment earlier: a double-click on Delete). The record moved on; that is
 * the client's news, not a fault of ours.
 */
export function isConditionFailure(error: unknown): boolean {
  const e = error as AwsLikeError | undefined;
  return (
    e?.name === 'ConditionalCheckFailedException' ||
    (e?.name === 'TransactionCanceledException' &&
      (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'))
  );
}

/** The domain error an unnamed condition failure becomes: 409, nothing written. */
export function conditionConflictError(error: unknown): ConflictError {
  return new ConflictError(
    'The record changed while this request ran (it may have been removed); nothing was written. Read it again.',
    undefined,
    { cause: error },
  );
}

/**
 * An AWS service failing on its side (DynamoDB's InternalServerError, SES's InternalFailure...):
 * a 5xx that outlasted the SDK's own retries. Unlike contention, the call may have taken effect.
 */
export function isServiceFailure(error: unknown): boolean {
  const e = error as AwsLikeError | undefined;
  const status = e?.$metadata?.httpStatusCode;
  return e?.$fault === 'server' || (typeof status === 'number' && status >= 500);
}

/**
 * The domain error a service failure becomes: 503 with `Retry-After`. The same request sent again
 * is safe (POSTs by their Idempotency-Key, the rest by being idempotent or versioned), and that is
 * the only way to learn whether the change was applied.
 */
export function serviceFailureError(error: unknown): UnavailableError {
  return new UnavailableError(
    'A service this request needs failed on its side, so the change may or may not have been applied. Send the same request again (with the same Idempotency-Key if it had one).',
    1,
    { cause: error },
  );
}
