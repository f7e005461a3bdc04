import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  conditionConflictError,
  contentionError,
  isConditionFailure,
  isContention,
  isServiceFailure,
  serviceFailureError,
} from '../db/contention.ts';
import {
  type DomainError,
  type FieldIssue,
  isDomainError,
  NotFoundError,
  type ProblemKind,
  RateLimitedError,
  UnavailableError,
  UnknownReferenceError,
  ValidationError,
} from '../errors.ts';

/**
 * The single place where domain errors become HTTP responses: RFC 9457 problem documents.
 * DynamoDB throttling and transaction conflicts, and AWS services failing on their side (5xx), are
 * 503 with `Retry-After` (the request can be sent again as it is); anything else that is not a DomainError is a 500 whose body says nothing
 * about the cause.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const statusOf: Record<ProblemKind, number> = {
  bad_request: 400,
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  precondition_required: 428,
  rate_limited: 429,
  unavailable: 503,
};

const titleOf: Record<ProblemKind, string> = {
  bad_request: 'Bad request',
  validation: 'Invalid request',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  conflict: 'Conflict',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  unprocessable: 'Unprocessable request',
  precondition_required: 'Precondition required',
  rate_limited: 'Too many requests',
  unavailable: 'Try again shortly',
};

export function statusForKind(kind: ProblemKind): number {
  return statusOf[kind];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId: string;
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

export function titleForKind(kind: ProblemKind): string {
  return titleOf[kind];
}

export function problemType(kind: ProblemKind | 'internal'): string {
  return `urn:funnel:problem:${kind.replaceAll('_', '-')}`;
}

export function problemFor(error: unknown, requestId: string, instance?: string): Problem {
  if (isDomainError(error)) return domainProblem(error, requestId, instance);
  if (isContention(error)) return domainProblem(contentionError(error), requestId, instance);
  if (isConditionFailure(error)) return domainProblem(conditionConflictError(error), requestId, instance);
  if (isServiceFailure(error)) return domainProblem(serviceFailureError(error), requestId, instance);
  return {
    type: problemType('internal'),
    title: 'Internal error',
    status: 500,
    detail:
      'Something went wrong on our side. Retry later; if it persists, contact support with the request id.',
    requestId,
    ...(instance ? { instance } : {}),
  };
}

function domainProblem(error: DomainError, requestId: string, instance?: string): Problem {
  return {
    ...error.details,
    type: problemType(error.kind),
    title: titleOf[error.kind],
    status: statusOf[error.kind],
    detail: error.message,
    requestId,
    ...(instance ? { instance } : {}),
    ...(error instanceof ValidationError || error instanceof UnknownReferenceError
      ? { errors: error.issues }
      : {}),
  };
}

/** Seconds a client should wait before sending the same request again, when that is the remedy. */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof UnavailableError || error instanceof RateLimitedError) return error.retryAfterSeconds;
  if (isContention(error)) return contentionError(error).retryAfterSeconds;
  if (isServiceFailure(error)) return serviceFailureError(error).retryAfterSeconds;
  return undefined;
}

/** The whole HTTP answer to an error: the problem document, and `Retry-After` when waiting helps. */
export function errorResponse(error: unknown, requestId: string, instance?: string) {
  const retryAfter = retryAfterOf(error);
  return problemResponse(
    problemFor(error, requestId, instance),
    retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
  );
}

/**
 * The error of a request that matches no route. Operator routes answer it too, to anyone but the
 * operator, so a tenant cannot tell they exist.
 */
export function noSuchRoute(method: string, path: string): NotFoundError {
  return new NotFoundError(`${method} ${path} is not a route of this API; see /docs`);
}

export function problemResponse(
  problem: Problem,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': problem.requestId, ...headers },
    body: JSON.stringify(problem),
  };
}
