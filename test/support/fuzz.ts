import fc from 'fast-check';

/**
 * Arbitraries for the API fuzz (test/e2e/fuzz.test.ts), derived from the OpenAPI document: a
 * request of an operation is built from its parameters and request body schema, then one or two
 * mutations make it malformed in the ways careless and hostile clients are: wrong types, unknown
 * and missing fields, hostile text, bad path parameters, bad query values and edited cursors,
 * bad `If-Match` and `Idempotency-Key` headers, other content types, broken JSON, oversized bodies
 * and keys that are not keys.
 */
export type Json = Record<string, any>;

export interface FuzzRequest {
  method: string;
  /** Path parameter values as they go into the URL (already percent-encoded, or deliberately not). */
  params: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Send the same request twice, the second time with `replayBody` (an Idempotency-Key reused). */
  replayBody?: string;
}

export interface Operation {
  method: string;
  path: string;
  operation: Json;
  /** The request body's JSON Schema (resolved), if the operation takes a JSON body. */
  body?: Json;
  bodyMediaType?: string;
}

/** Percent-encodes any text; a lone surrogate, which no URL can hold, goes as U+FFFD's bytes. */
export function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

/** Text that has broken APIs before: prototype names, formulas, markup, numbers as text, unicode. */
export const HOSTILE_TEXT = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'prototype',
  'valueOf',
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '9007199254740993',
  '0x1F',
  '%FF',
  '%00',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '{{contact.constructor}}',
  '{{',
  '=cmd|"/c calc"!A0',
  "' OR 1=1 --",
  ['$', '{7*7}'].join(''),
  '𝒳𝒴𝒵',
  '👩🏽‍💻',
  'e\u0301',
  '\u202Eevil',
  '\uFEFFbom',
  'Ω≈ç√∫',
  'ＦＵＬＬＷＩＤＴＨ',
  'a\u0000b',
  'line\rbreak',
  '\uD800',
  '\uDC00x',
  '2026-02-30',
  '2026-13-01T25:61:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01',
  'Europe/Atlantis',
  'XXX',
  'fcrm_',
  '01JA0000000000000000000000',
  '01ZZZZZZZZZZZZZZZZZZZZZZZZ',
  'FREQ=SECONDLY',
  'FREQ=DAILY;COUNT=999999999',
  'a'.repeat(300),
  'é'.repeat(5000),
];

const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 3,
    }),
  },
);

/** A JSON value of the wrong kind for wherever it lands. */
const deepNesting = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      -1,
      -0,
      1.5,
      2 ** 31,
      -(2 ** 31) - 1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      1e308,
      -1e308,
      5e-324,
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [null], { '': '' }, [[[]]]) },
  { weight: 1, arbitrary: fc.constantFrom(50, 1000).map(deepNesting) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.string(), { minLength: 200, maxLength: 300 }) },
);

/** Follows `$ref`s into the document's components. */
export function resolverFor(components: Record<string, Json>) {
  return (schema: Json): Json => {
    let current = schema;
    for (let i = 0; current?.$ref && i < 20; i++) current = components[current.$ref.split('/').pop()!] ?? {};
    return current ?? {};
  };
}

function textFor(schema: Json): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 60, 300);
  const fitting = hostileText.filter((t) => t.length >= min && t.length <= max);
  switch (schema.format) {
    case 'email':
      return fc.oneof(fc.emailAddress(), fc.constantFrom('ada@example.com', 'Ada@Example.COM', 'a@b'));
    case 'date-time':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2199-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2199-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
  }
  if (schema.pattern) {
    try {
      const pattern = new RegExp(schema.pattern);
      return fc.oneof(
        { weight: 3, arbitrary: fc.stringMatching(pattern).filter((t) => t.length <= Math.max(max, 64)) },
        { weight: 1, arbitrary: fitting },
      );
    } catch {
      return fitting;
    }
  }
  return fc.oneof(
    { weight: 2, arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, Math.min(max, 30)) }) },
    { weight: 2, arbitrary: fitting },
  );
}

/**
 * Values of a JSON Schema, mostly valid, with hostile text wherever text is allowed: what reaches
 * the services, where the deep bugs are.
 */
export function schemaValue(schema: Json, resolve: (s: Json) => Json, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (depth > 6) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const options = s.anyOf ?? s.oneOf;
  if (Array.isArray(options) && options.length)
    return fc.oneof(...options.map((o: Json) => schemaValue(o, resolve, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length) return schemaValue(s.allOf[0], resolve, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return textFor(s);
    case 'integer': {
      const min = Math.max(s.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER);
      const max = Math.min(s.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case 'number':
      return fc.double({
        min: s.minimum ?? -1e6,
        max: s.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = s.items ? schemaValue(s.items, resolve, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      const minLength = s.minItems ?? 0;
      return fc.array(item, { minLength, maxLength: Math.max(minLength, Math.min(s.maxItems ?? 3, 3)) });
    }
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, Json>;
      const required = new Set<string>(s.required ?? []);
      const fixed = fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([k, v]) => [k, schemaValue(v, resolve, depth + 1)]),
        ),
        { requiredKeys: [...required].filter((k) => k in properties) },
      );
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        const keys = fc.oneof(
          fc.constantFrom('constructor', 'toString', 'a', 'x_1'),
          fc.string({ maxLength: 12 }),
        );
        const extra = fc.dictionary(keys, schemaValue(s.additionalProperties, resolve, depth + 1), {
          maxKeys: 3,
        });
        return fc.tuple(fixed, extra).map(([a, b]) => ({ ...b, ...a }));
      }
      return fixed;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Every place inside a JSON value, as a path of keys and indexes. */
function placesIn(
  value: unknown,
  path: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
) {
  out.push(path);
  if (Array.isArray(value)) for (const [i, v] of value.entries()) placesIn(v, [...path, i], out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) placesIn(v, [...path, k], out);
  return out;
}

type Corruption = 'replace' | 'remove' | 'add-unknown' | 'wrap-in-array';

/** A valid-looking value with one thing broken in it. */
function corrupt(value: unknown, pick: number, how: Corruption, hostile: unknown): unknown {
  const copy = structuredClone(value ?? {});
  const places = placesIn(copy);
  const path = places[pick % places.length]!;
  if (path.length === 0) {
    if (how === 'add-unknown' && copy && typeof copy === 'object' && !Array.isArray(copy))
      return { ...copy, unexpectedField: hostile };
    return how === 'wrap-in-array' ? [copy] : hostile;
  }
  const parent = path.slice(0, -1).reduce((node: any, key) => node[key], copy) as any;
  const key = path.at(-1)!;
  if (how === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (
    how === 'add-unknown' &&
    parent[key] &&
    typeof parent[key] === 'object' &&
    !Array.isArray(parent[key])
  ) {
    parent[key].unexpectedField = hostile;
  } else if (how === 'wrap-in-array') {
    parent[key] = [parent[key]];
  } else {
    parent[key] = hostile;
  }
  return copy;
}

const IF_MATCH = [
  '"1"',
  '"0"',
  '"-1"',
  '"99999999999999999999999"',
  'W/"2"',
  '*',
  '"abc"',
  'abc',
  '""',
  '"1", "2"',
  `"${'9'.repeat(400)}"`,
];
const IDEMPOTENCY_KEYS = [
  'short',
  'valid-key-0001',
  'with space key',
  `${'k'.repeat(129)}`,
  'clé-idempotence',
  'key/with/slashes',
  'a:b.c-d_e-0123',
];
const AUTHORIZATIONS = [
  '',
  'Bearer',
  'Bearer ',
  'Basic dXNlcjpwYXNz',
  'Bearer fcrm_',
  'Bearer fcrm_01JA000000000000000000000001JA0000000000000000000000AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  `Bearer ${'x'.repeat(5000)}`,
  'bearer  fcrm_nope',
];
const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=iso-8859-1',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/json, text/plain',
  '*/*',
  'text/csv',
];
const RAW_BODIES: Array<string | Uint8Array> = [
  '{',
  '{"a":',
  '[1,2',
  'null',
  '[]',
  '""',
  '0',
  'true',
  '{"a":1,"a":2}',
  '\uFEFF{}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  `{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
  new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
  'a=1&b=2',
  '<xml/>',
];
const PATH_VALUES = [
  '%FF',
  '%00',
  '%2F',
  '%2e%2e',
  '%20',
  encode('constructor'),
  encode('__proto__'),
  encode('a'.repeat(3000)),
  encode('01ZZZZZZZZZZZZZZZZZZZZZZZZ'),
  encode('01ja0000000000000000000000'),
  encode('𝒳'),
  '%ED%A0%80',
  encode('x.ics'),
  encode('eyJhbGciOiJIUzI1NiJ9.e30.'),
  encode('-1'),
  encode('1e3'),
  encode('a@b.example'),
];

/** A cursor body as the API encodes it, edited: the binding right, the key wrong. */
export function editedCursor(real: string, edit: number, hostile: unknown): string {
  const body = JSON.parse(Buffer.from(real, 'base64url').toString('utf8'));
  const names = Object.keys(body.k ?? {});
  const name = names[edit % Math.max(names.length, 1)] ?? 'PK';
  switch (edit % 5) {
    case 0:
      body.k[name] = hostile;
      break;
    case 1:
      delete body.k[name];
      break;
    case 2:
      body.k.unexpected = 'x';
      break;
    case 3:
      body.k[name] = `${body.k[name]}~`;
      break;
    default:
      body.k = { PK: body.k.PK ?? 'x', SK: 1 };
  }
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * One mutation of a request, as data (so a failing case prints what was sent). `apply` turns it
 * into the request; an edited cursor needs a real one, which the test fetches at run time.
 */
export type Mutation =
  | { kind: 'body'; body: unknown }
  | { kind: 'raw-body'; body: string | Uint8Array }
  | { kind: 'content-type'; body: unknown; contentType: string }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'param'; name: string; value: string }
  | { kind: 'query'; pairs: Array<[string, string]> }
  | { kind: 'cursor'; edit: number; hostile: unknown; junk: string }
  | { kind: 'header'; name: string; value: string }
  | { kind: 'idempotency'; key: string; first: unknown; second: unknown };

const jsonText = (value: unknown) => JSON.stringify(value ?? {});

export function apply(request: FuzzRequest, mutation: Mutation, context: { cursor?: string }): void {
  switch (mutation.kind) {
    case 'body':
      request.body = jsonText(mutation.body);
      break;
    case 'raw-body':
      request.body = mutation.body;
      break;
    case 'content-type':
      request.body = jsonText(mutation.body);
      request.headers['content-type'] = mutation.contentType;
      break;
    case 'oversized':
      request.body = JSON.stringify({ name: 'x'.repeat(mutation.bytes) });
      break;
    case 'param':
      request.params[mutation.name] = mutation.value;
      break;
    case 'query':
      request.query.push(...mutation.pairs);
      break;
    case 'cursor':
      request.query.push([
        'cursor',
        context.cursor ? editedCursor(context.cursor, mutation.edit, mutation.hostile) : mutation.junk,
      ]);
      break;
    case 'header':
      request.headers[mutation.name] = mutation.value;
      break;
    case 'idempotency':
      request.headers['idempotency-key'] = mutation.key;
      request.body ??= jsonText(mutation.first);
      request.replayBody = jsonText(mutation.second);
      break;
  }
}

export function mutations(op: Operation, resolve: (s: Json) => Json): fc.Arbitrary<Mutation> {
  const parameters = (op.operation.parameters ?? []) as Json[];
  const pathParams = parameters.filter((p) => p.in === 'path').map((p) => p.name as string);
  const queryParams = parameters.filter((p) => p.in === 'query');
  const validBody = op.body ? schemaValue(op.body, resolve) : fc.constant({});
  const arbitraries: Array<{ weight: number; arbitrary: fc.Arbitrary<Mutation> }> = [];
  const of = <M extends Mutation>(weight: number, arbitrary: fc.Arbitrary<M>) =>
    arbitraries.push({ weight, arbitrary });

  if (op.method !== 'GET') {
    // A mostly valid body with hostile text in it: reaches the service.
    of(
      3,
      validBody.map((body) => ({ kind: 'body' as const, body })),
    );
    // One thing broken in a valid-looking body.
    of(
      4,
      fc
        .tuple(
          validBody,
          fc.nat(),
          fc.constantFrom<Corruption>('replace', 'remove', 'add-unknown', 'wrap-in-array'),
          hostileValue,
        )
        .map(([body, pick, how, hostile]) => ({
          kind: 'body' as const,
          body: corrupt(body, pick, how, hostile),
        })),
    );
    of(
      2,
      fc
        .oneof(fc.constantFrom(...RAW_BODIES), fc.json({ maxDepth: 3 }))
        .map((body) => ({ kind: 'raw-body' as const, body })),
    );
    of(
      1,
      fc
        .tuple(validBody, fc.constantFrom(...CONTENT_TYPES))
        .map(([body, contentType]) => ({ kind: 'content-type' as const, body, contentType })),
    );
    of(
      1,
      fc
        .constantFrom(1024 * 1024 + 1, 2 * 1024 * 1024)
        .map((bytes) => ({ kind: 'oversized' as const, bytes })),
    );
  }
  if (pathParams.length) {
    of(
      3,
      fc
        .tuple(
          fc.constantFrom(...pathParams),
          fc.oneof(fc.constantFrom(...PATH_VALUES), hostileText.map(encode)),
        )
        .map(([name, value]) => ({ kind: 'param' as const, name, value })),
    );
  }
  // Query: the declared parameters with hostile values, repeated ones, and names nobody declared.
  const queryNames = queryParams.length ? queryParams.map((p) => p.name as string) : ['limit'];
  const queryName = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...queryNames) },
    { weight: 1, arbitrary: fc.constantFrom('colour', 'constructor', '__proto__', '') },
  );
  const queryValue = fc.oneof(
    fc.constantFrom('-1', '0', '101', '1e3', '25.5', '', 'true', '%', 'a,b,c', '9'.repeat(40)),
    hostileText,
    ...queryParams.map((p) => schemaValue(p.schema ?? {}, resolve).map(String)),
  );
  of(
    3,
    fc
      .array(fc.tuple(queryName, queryValue), { minLength: 1, maxLength: 3 })
      .map((pairs) => ({ kind: 'query' as const, pairs })),
  );
  if (queryNames.includes('cursor')) {
    of(
      2,
      fc
        .tuple(fc.nat(), hostileValue, fc.base64String({ maxLength: 60 }))
        .map(([edit, hostile, junk]) => ({ kind: 'cursor' as const, edit, hostile, junk })),
    );
  }
  of(
    2,
    fc.constantFrom(...IF_MATCH).map((value) => ({ kind: 'header' as const, name: 'if-match', value })),
  );
  if (op.method === 'POST') {
    of(
      2,
      fc
        .tuple(fc.constantFrom(...IDEMPOTENCY_KEYS), fc.nat(), validBody, validBody)
        .map(([key, n, first, second]) => ({
          kind: 'idempotency' as const,
          key: key === 'valid-key-0001' ? `fuzz-${n}-${op.path.length}-${key}` : key,
          first,
          second,
        })),
    );
  }
  of(
    1,
    fc
      .constantFrom(...AUTHORIZATIONS)
      .map((value) => ({ kind: 'header' as const, name: 'authorization', value })),
  );
  return fc.oneof(...arbitraries);
}
