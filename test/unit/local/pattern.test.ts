import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventPattern } from '../../../functions/app/types.ts';
import { InvalidPatternError, matchesPattern, validatePattern } from '../../../infra/local/aws/pattern.ts';

/** The examples of the EventBridge user guide ("Content filtering in Amazon EventBridge event patterns"). */
describe('event patterns: the EventBridge documentation examples', () => {
  it('prefix matching: "time" starting with 2017-10-02', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matchesPattern(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
  });

  it('anything-but with a string and with a number', () => {
    const state = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matchesPattern(state, { detail: { state: 'running' } })).toBe(true);
    expect(matchesPattern(state, { detail: { state: 'initializing' } })).toBe(false);
    const limit = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matchesPattern(limit, { detail: { 'x-limit': 124 } })).toBe(true);
    expect(matchesPattern(limit, { detail: { 'x-limit': 123 } })).toBe(false);
  });

  it('anything-but with a list of strings and with a list of numbers', () => {
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matchesPattern(states, { detail: { state: 'running' } })).toBe(true);
    expect(matchesPattern(states, { detail: { state: 'overloaded' } })).toBe(false);
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(limits, { detail: { 'x-limit': 150 } })).toBe(true);
    expect(matchesPattern(limits, { detail: { 'x-limit': 200 } })).toBe(false);
  });

  it('anything-but a prefix: any "state" not starting with "init"', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matchesPattern(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { state: 'initializing' } })).toBe(false);
  });

  it('numeric matching holds only when every field is within its range', () => {
    const pattern: EventPattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matchesPattern(pattern, { detail: { 'c-count': 5, 'd-count': 9.5, 'x-limit': 301.8 } })).toBe(
      true,
    );
    expect(matchesPattern(pattern, { detail: { 'c-count': 0, 'd-count': 9, 'x-limit': 301.8 } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { 'c-count': 6, 'd-count': 9, 'x-limit': 301.8 } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { 'c-count': 1, 'd-count': 10, 'x-limit': 301.8 } })).toBe(
      false,
    );
    expect(matchesPattern(pattern, { detail: { 'c-count': 1, 'd-count': 9, 'x-limit': 302 } })).toBe(false);
  });

  it('exists: false matches an event without detail.c-count, and one where c-count is not a leaf', () => {
    const pattern = { detail: { 'c-count': [{ exists: false }] } };
    const event = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { state: ['initializing', 'running'] },
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { ...event.detail, 'c-count': { c1: 100 } } })).toBe(
      true,
    );
    expect(matchesPattern(pattern, { ...event, detail: { ...event.detail, 'c-count': 3 } })).toBe(false);
  });

  it('the complex example combining prefix, anything-but and numeric', () => {
    const pattern: EventPattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const event = {
      time: '2017-10-02T18:43:48Z',
      detail: { state: 'running', 'c-count': 3, 'd-count': 2, 'x-limit': 150 },
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { ...event.detail, 'x-limit': 300 } })).toBe(false);
    expect(matchesPattern(pattern, { ...event, time: '2017-10-01T00:00:00Z' })).toBe(false);
  });

  it('arrays: the pattern matches when the event array and the pattern array intersect', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { resources: [event.resources[0]] })).toBe(false);
  });

  it('null and the empty string are matched exactly and not interchangeably', () => {
    const event = { detail: { eventVersion: '', responseElements: null } };
    expect(matchesPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { responseElements: [''] } }, event)).toBe(false);
  });
});

describe('event patterns: the project’s rules and stream filters', () => {
  const invoiceEvent = {
    source: 'funnel.invoices',
    'detail-type': 'InvoiceIssued',
    detail: { tenantId: 't1', total: { amount: 12_000, currency: 'EUR' }, tags: ['vip', 'b2b'] },
  };

  it('a field of the pattern that the event lacks fails the match', () => {
    expect(
      matchesPattern(
        { source: ['funnel.invoices'], detail: { dueDate: [{ prefix: '2025' }] } },
        invoiceEvent,
      ),
    ).toBe(false);
  });

  it('alternatives under one field are OR, fields are AND', () => {
    const pattern = {
      source: ['funnel.contacts', 'funnel.invoices'],
      'detail-type': ['InvoiceIssued', 'InvoicePaid'],
    };
    expect(matchesPattern(pattern, invoiceEvent)).toBe(true);
    expect(matchesPattern({ ...pattern, 'detail-type': ['InvoicePaid'] }, invoiceEvent)).toBe(false);
  });

  it('a string never equals a number, and numbers compare by value', () => {
    expect(matchesPattern({ detail: { tenantId: [1] } }, { detail: { tenantId: '1' } })).toBe(false);
    expect(matchesPattern({ detail: { tenantId: ['1'] } }, { detail: { tenantId: 1 } })).toBe(false);
    expect(matchesPattern({ detail: { total: { amount: [1.2e4] } } }, invoiceEvent)).toBe(true);
  });

  it('numeric ignores strings that look like numbers (DynamoDB JSON keeps numbers as strings)', () => {
    expect(matchesPattern({ n: [{ numeric: ['>', 0] }] }, { n: '5' })).toBe(false);
  });

  it('anything-but, prefix and numeric need the field to be present', () => {
    expect(matchesPattern({ detail: { status: [{ 'anything-but': 'void' }] } }, invoiceEvent)).toBe(false);
    expect(matchesPattern({ detail: { status: [{ prefix: '' }] } }, invoiceEvent)).toBe(false);
    expect(matchesPattern({ detail: { count: [{ numeric: ['>=', 0] }] } }, invoiceEvent)).toBe(false);
  });

  it('exists: true holds for leaves (null included) and fails for objects and empty arrays', () => {
    const exists = { detail: { x: [{ exists: true }] } };
    expect(matchesPattern(exists, { detail: { x: null } })).toBe(true);
    expect(matchesPattern(exists, { detail: { x: 0 } })).toBe(true);
    expect(matchesPattern(exists, { detail: { x: { y: 1 } } })).toBe(false);
    expect(matchesPattern(exists, { detail: { x: [] } })).toBe(false);
    expect(matchesPattern(exists, { detail: {} })).toBe(false);
    expect(matchesPattern({ detail: { x: [{ exists: false }] } }, {})).toBe(true);
  });

  it('a nested pattern matches any object of an event array, with all its fields in the same object', () => {
    const event = {
      detail: {
        lines: [
          { sku: 'A', qty: 1 },
          { sku: 'B', qty: 5 },
        ],
      },
    };
    expect(matchesPattern({ detail: { lines: { sku: ['B'], qty: [{ numeric: ['>', 2] }] } } }, event)).toBe(
      true,
    );
    expect(matchesPattern({ detail: { lines: { sku: ['A'], qty: [{ numeric: ['>', 2] }] } } }, event)).toBe(
      false,
    );
  });

  it('a Lambda filter on a DynamoDB stream record', () => {
    const filter: EventPattern = {
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { type: { S: ['invoice'] }, status: { S: [{ 'anything-but': 'draft' }] } } },
    };
    const record = (eventName: string, status: string) => ({
      eventName,
      dynamodb: {
        Keys: { PK: { S: 't1#invoice' }, SK: { S: 'i1' } },
        NewImage: { type: { S: 'invoice' }, status: { S: status }, total: { N: '100' } },
      },
    });
    expect(matchesPattern(filter, record('INSERT', 'issued'))).toBe(true);
    expect(matchesPattern(filter, record('MODIFY', 'draft'))).toBe(false);
    expect(matchesPattern(filter, record('REMOVE', 'issued'))).toBe(false);
  });
});

describe('validatePattern', () => {
  it('accepts the shapes the declaration uses', () => {
    expect(() =>
      validatePattern({
        source: ['aws.ses'],
        'detail-type': [{ prefix: 'Email ' }],
        detail: {
          n: [{ numeric: ['>=', 0, '<', 10] }, { numeric: ['=', 42] }],
          s: [
            { 'anything-but': ['a', 'b'] },
            { 'anything-but': { prefix: 'x' } },
            { exists: true },
            null,
            true,
            3,
          ],
        },
      }),
    ).not.toThrow();
  });

  it.each([
    ['not an object', 'source'],
    ['an empty pattern', {}],
    ['a bare value instead of an array', { source: 'aws.ses' }],
    ['an empty array', { source: [] }],
    ['an unknown operator', { source: [{ suffix: '.png' }] }],
    ['two operators in one matcher', { source: [{ prefix: 'a', exists: true }] }],
    ['exists with a string', { source: [{ exists: 'yes' }] }],
    ['numeric with a string bound', { n: [{ numeric: ['>', '5'] }] }],
    ['numeric with an odd list', { n: [{ numeric: ['>', 1, '<'] }] }],
    ['numeric with an empty range', { n: [{ numeric: ['>', 5, '<', 1] }] }],
    ['numeric "=" combined', { n: [{ numeric: ['=', 5, '<', 10] }] }],
    ['anything-but mixing strings and numbers', { s: [{ 'anything-but': ['a', 1] }] }],
    ['an $or the local bus does not implement', { $or: [{ a: ['1'] }, { b: ['2'] }] }],
    ['nested arrays', { s: [['a']] }],
  ])('rejects %s', (_, pattern) => {
    expect(() => validatePattern(pattern)).toThrow(InvalidPatternError);
  });
});

describe('event patterns: properties', () => {
  const scalar = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer({ min: -1000, max: 1000 }),
    fc.boolean(),
    fc.constant(null),
  );
  const flatEvent = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), scalar, {
    minKeys: 1,
    maxKeys: 6,
  });

  it('an event matches any pattern built from some of its own fields', () => {
    fc.assert(
      fc.property(flatEvent, fc.infiniteStream(fc.boolean()), (event, keep) => {
        const entries = Object.entries(event).filter(() => keep.next().value);
        const pattern = Object.fromEntries(
          (entries.length ? entries : Object.entries(event).slice(0, 1)).map(([k, v]) => [k, [v]]),
        );
        return matchesPattern(pattern, event);
      }),
    );
  });

  it('for a present string field, anything-but x is exactly the negation of x', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (value, excluded) => {
        const event = { field: value };
        return (
          matchesPattern({ field: [{ 'anything-but': excluded }] }, event) ===
          !matchesPattern({ field: [excluded] }, event)
        );
      }),
    );
  });

  it('numeric ranges agree with plain comparisons', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        (value, a, b) => {
          const [low, high] = a < b ? [a, b] : [b, a];
          fc.pre(low < high);
          const matched = matchesPattern({ n: [{ numeric: ['>=', low, '<', high] }] }, { n: value });
          return matched === (value >= low && value < high);
        },
      ),
    );
  });

  it('a list of alternatives matches exactly when one of them alone does', () => {
    const alternative = fc.oneof(
      scalar,
      fc.string({ maxLength: 3 }).map((prefix) => ({ prefix })),
      fc.integer({ min: -10, max: 10 }).map((n) => ({ numeric: ['>', n] as Array<string | number> })),
      fc.boolean().map((exists) => ({ exists })),
    );
    fc.assert(
      fc.property(
        fc.array(alternative, { minLength: 1, maxLength: 4 }),
        fc.option(fc.oneof(scalar, fc.array(scalar)), { nil: undefined }),
        (alternatives, value) => {
          const event = value === undefined ? {} : { f: value };
          const all = matchesPattern({ f: alternatives }, event);
          const any = alternatives.some((a) => matchesPattern({ f: [a] }, event));
          return all === any;
        },
      ),
    );
  });
});
