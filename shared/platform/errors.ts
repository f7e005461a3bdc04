/**
 * The one error vocabulary of the domain. Services throw these; the HTTP edge maps them to
 * RFC 9457 problems in exactly one place (http/problem.ts), and event consumers decide per kind
 * whether a failure is worth a retry (see `isRetryable`).
 */
export type ProblemKind =
  | 'bad_request'
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'precondition_required'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

export interface FieldIssue {
  /** JSON-pointer-like dotted path into the request, e.g. `body.lines.0.quantity`. */
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: ProblemKind;
  /** Extra members of the problem document (never internals: they are shown to the caller). */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class BadRequestError extends DomainError {
  readonly kind = 'bad_request';
}

export class ValidationError extends DomainError {
  readonly kind = 'validation';
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], message = 'The request has invalid fields.') {
    super(message);
    this.issues = issues;
  }

  /** A single invalid field, the common case in services. */
  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }], message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(resource: string, id?: string) {
    super(id ? `${resource} ${id} was not found.` : `${resource} was not found.`, {
      resource,
      ...(id ? { id } : {}),
    });
  }
}

/**
 * For `lookup.catch(absentIfNotFound)`: a record that does not exist becomes undefined. Only "not
 * found" means absent: any other failure (a throttled read) is thrown again, so a job or consumer
 * is retried instead of taking a record that is there for one that is gone.
 */
export function absentIfNotFound(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition_failed';
  constructor(
    message = 'The resource was changed since you read it; read it again and retry.',
    details = {},
  ) {
    super(message, details);
  }
}

export class PreconditionRequiredError extends DomainError {
  readonly kind = 'precondition_required';
}

export class PayloadTooLargeError extends DomainError {
  readonly kind = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly kind = 'unsupported_media_type';
}

export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable';

  /** Well-formed, but one field's value cannot be accepted (e.g. a sender that is not verified). */
  static field(path: string, message: string): UnprocessableError {
    return new UnprocessableError(message, { errors: [{ path, message }] });
  }
}

/**
 * The request names a record (a company, an owner, a product...) that does not exist in the
 * caller's tenant: 422 with the field's path, so another tenant's id reads like a typo.
 */
export class UnknownReferenceError extends DomainError {
  readonly kind = 'unprocessable';
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[]) {
    super(issues.length === 1 ? issues[0]!.message : 'The request names records that do not exist.');
    this.issues = issues;
  }

  static field(path: string, message: string): UnknownReferenceError {
    return new UnknownReferenceError([{ path, message }]);
  }
}

export class RateLimitedError extends DomainError {
  readonly kind = 'rate_limited';
  constructor(
    message: string,
    details: Record<string, unknown> = {},
    /** When known, how long until the request would be accepted (`Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, details);
  }
}

/**
 * The change could not be made now, through no fault of the request: the records it touches kept
 * changing under it, or the database was throttling. Nothing was written; the same request can
 * be sent again after `retryAfterSeconds`.
 */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super(message, {}, options);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/**
 * A domain error means the input or state is wrong: retrying the same event cannot help.
 * Anything else (throttling, network, a bug fixed by a redeploy) is worth a retry.
 */
export function isRetryable(error: unknown): boolean {
  if (!isDomainError(error)) return true;
  return error.kind === 'rate_limited' || error.kind === 'unavailable';
}
