import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  UnauthorizedError,
  UnknownReferenceError,
  ValidationError,
} from '../../../shared/platform/errors.ts';
import { errorResponse, problemFor, problemResponse } from '../../../shared/platform/http/problem.ts';

describe('problem documents', () => {
  it('maps each kind of domain error to its HTTP status, with the request id', () => {
    const cases = [
      [new UnauthorizedError('no key'), 401],
      [new NotFoundError('Contact', '01J'), 404],
      [new ConflictError('taken'), 409],
      [new PreconditionFailedError(), 412],
      [ValidationError.field('body.email', 'Must be an email address.'), 400],
    ] as const;
    for (const [error, status] of cases) {
      const problem = problemFor(error, 'req-1');
      expect(problem.status).toBe(status);
      expect(problem.requestId).toBe('req-1');
      expect(problem.type).toMatch(/^urn:funnel:problem:/);
    }
  });

  it('lists each invalid field with its path', () => {
    const problem = problemFor(
      new ValidationError([
        { path: 'body.email', message: 'Must be an email address.' },
        { path: 'query.limit', message: 'Must be at most 100.' },
      ]),
      'req-2',
    );
    expect(problem.errors).toEqual([
      { path: 'body.email', message: 'Must be an email address.' },
      { path: 'query.limit', message: 'Must be at most 100.' },
    ]);
  });

  it('never shows the message or stack of an unexpected error', () => {
    const problem = problemFor(new Error('connect ECONNREFUSED 10.0.0.12:5432 password=hunter2'), 'req-3');
    const response = problemResponse(problem);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(response.body).not.toContain('hunter2');
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body!).requestId).toBe('req-3');
  });

  it('carries the details a caller needs, such as the existing resource of a conflict', () => {
    const problem = problemFor(new ConflictError('Email taken', { existingId: '01ABC' }), 'r');
    expect(problem.existingId).toBe('01ABC');
  });

  it('answers a missing reference with 422 naming the field', () => {
    const response = errorResponse(
      UnknownReferenceError.field('body.companyId', 'Company 01ABC was not found.'),
      'r',
    );
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body!).errors).toEqual([
      { path: 'body.companyId', message: 'Company 01ABC was not found.' },
    ]);
  });

  it('answers throttling and transaction conflicts with 503 and Retry-After, never 500', () => {
    const metadata = { $metadata: {}, message: 'busy' };
    const errors = [
      new ProvisionedThroughputExceededException(metadata),
      Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
        name: 'ThrottlingException',
      }),
      Object.assign(new Error('Too many requests'), { name: 'RequestLimitExceeded' }),
      new TransactionCanceledException({
        ...metadata,
        CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
      }),
    ];
    for (const error of errors) {
      const response = errorResponse(error, 'r', '/v1/contacts');
      expect(response.statusCode, error.name).toBe(503);
      expect(response.headers?.['retry-after']).toBe('1');
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(response.body!).type).toBe('urn:funnel:problem:unavailable');
    }
  });

  it('answers an AWS service failing on its side with 503 and Retry-After, saying the change may have been applied', () => {
    const failure = new InternalServerError({
      $metadata: { httpStatusCode: 500 },
      message: 'Internal server error',
    });
    const response = errorResponse(failure, 'r', '/v1/invoices/1/payments');
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(response.body!).detail).toMatch(/may or may not have been applied/);
    const programmingError = Object.assign(new TypeError('x is undefined'), { $metadata: {} });
    expect(errorResponse(programmingError, 'r').statusCode).toBe(500);
  });

  it('answers a write refused by a condition no domain error names with 409, apart from contention', () => {
    const refused = new TransactionCanceledException({
      $metadata: {},
      message: 'cancelled',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'TransactionConflict' }],
    });
    const single = new ConditionalCheckFailedException({
      $metadata: {},
      message: 'The conditional request failed',
    });
    for (const error of [refused, single]) {
      const response = errorResponse(error, 'r');
      expect(response.statusCode).toBe(409);
      expect(response.headers?.['retry-after']).toBeUndefined();
      expect(JSON.parse(response.body!).detail).toContain('changed while this request ran');
    }
  });
});
