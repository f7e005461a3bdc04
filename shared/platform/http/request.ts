import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  BadRequestError,
  PayloadTooLargeError,
  PreconditionFailedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.ts';
import { checkInput } from '../input.ts';
import { lazy } from '../lazy.ts';
import type { AnyRoute } from './route.ts';

/** Larger bodies are refused with 413 (API Gateway itself would accept up to 10 MB). */
export const MAX_BODY_BYTES = 1024 * 1024;

export function rawBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `The body is ${bytes.byteLength} bytes; the limit is ${MAX_BODY_BYTES} bytes (1 MiB).`,
    );
  }
  return bytes.toString('utf8');
}

function decodeBody(route: AnyRoute, event: APIGatewayProxyEventV2, text: string | undefined): unknown {
  // A form with every box unticked and every field left empty is posted with no body at all.
  if (text === undefined || text === '') return route.bodyEncoding === 'form' ? {} : undefined;
  const contentType = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  switch (route.bodyEncoding ?? 'json') {
    case 'json':
      if (contentType && contentType !== 'application/json' && !contentType.endsWith('+json')) {
        throw new UnsupportedMediaTypeError(`Send the body as application/json (got ${contentType}).`);
      }
      return nestedWithin(parseJson(text), MAX_JSON_DEPTH);
    case 'form':
      return Object.fromEntries(formEntries(text));
    case 'text':
      return text;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`The body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * No request needs more than a few levels of nesting, and every recursive reader of a body (the
 * validation, the idempotency hash, the logger) would overflow the stack on thousands: JSON.parse
 * reads 10,000 levels that JSON.stringify then cannot write. Counted without recursion.
 */
export const MAX_JSON_DEPTH = 32;

function nestedWithin(value: unknown, max: number): unknown {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > max)
      throw new BadRequestError(`The body nests more than ${max} levels of objects and arrays.`);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return value;
}

/** Repeated form fields (checkbox groups) become arrays. */
function formEntries(text: string): Array<[string, string | string[]]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(text))
    grouped.set(name, [...(grouped.get(name) ?? []), humanText(value)]);
  return [...grouped].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]);
}

/**
 * A form is a person typing or pasting into a page: the control characters a word processor
 * carries along (a vertical tab for a line break, a form feed, a bare carriage return) become line
 * breaks and the others go, instead of refusing the whole form and losing every answer typed. The
 * API's JSON bodies are refused instead (../input.ts): a program can send clean text.
 */
function humanText(value: string): string {
  return value.replace(/\r(?!\n)|[\v\f]/g, '\n').replace(/(?![\t\n]|\r\n)\p{Cc}/gu, '');
}

/** Query strings: API Gateway joins repeated parameters with commas; lists are split by the schema. */
function queryObject(event: APIGatewayProxyEventV2): Record<string, string> {
  return { ...(event.queryStringParameters ?? {}) } as Record<string, string>;
}

export interface ParsedInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

/** A body of a million bad cells must not become a problem document too large to send. */
const MAX_LISTED_ISSUES = 100;

/** What a route without a query or a body schema accepts: nothing (an empty JSON object at most). */
const NOTHING = lazy(() => z.object({}));

/**
 * Validates every part of the request and reports every invalid field at once, with the schema
 * layer's strict fields and text hygiene (../input.ts).
 */
export function parseInput(route: AnyRoute, event: APIGatewayProxyEventV2): ParsedInput {
  const text = rawBody(event);
  const decoded = decodeBody(route, event, text);
  const issues: ValidationError['issues'] = [];
  const check = (schema: z.ZodMiniType, value: unknown, location: string) => {
    const result = checkInput(schema, value, location);
    if (result.ok) return result.data;
    issues.push(...result.issues);
    return undefined;
  };
  const params = check(route.params ?? NOTHING, event.pathParameters ?? {}, 'path');
  const query = check(route.query ?? NOTHING, queryObject(event), 'query');
  if (route.body && decoded === undefined && route.bodyEncoding !== 'text') {
    issues.push({ path: 'body', message: 'A request body is required.' });
  }
  const body = decoded === undefined ? undefined : check(route.body ?? NOTHING, decoded, 'body');
  if (issues.length > MAX_LISTED_ISSUES) {
    throw new ValidationError(
      issues.slice(0, MAX_LISTED_ISSUES),
      `The request has ${issues.length} invalid fields; the first ${MAX_LISTED_ISSUES} are listed.`,
    );
  }
  if (issues.length) throw new ValidationError(issues);
  return { params, query, body };
}

/**
 * `If-Match: "3"` → 3. Absent → undefined (the write is unconditional). `*` → 'any'.
 * We issue strong ETags; a weak one (`W/"3"`) is accepted as the same version.
 */
export function parseIfMatch(header: string | undefined): number | 'any' | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return 'any';
  const match = /^(?:W\/)?"(\d+)"$/.exec(value);
  if (!match)
    throw new PreconditionFailedError(`If-Match must be an ETag we issued, such as "3" (got ${value}).`);
  return Number(match[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}
