import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { FieldIssue } from './errors.ts';
import { isId } from './ids.ts';
import { lazy } from './lazy.ts';
import { isTimeZone } from './time.ts';

/**
 * Every schema in the project is written with `zod/mini`: the same validation as classic zod at a
 * fraction of the bundle size (about 16 KB against 90 KB minified, measured with esbuild), which
 * keeps each Lambda inside the bundle budget of the benchmark harness.
 *
 * Import it directly everywhere (`import * as z from 'zod/mini'`): re-exported from here, `z`
 * would be a namespace value that esbuild cannot tree-shake, and every bundle would carry all of
 * zod with every language (436 KB). test/unit/app/bundles.test.ts keeps it that way.
 * Only the English messages are configured, for the same reason (`z.locales` holds them all).
 *
 * A schema declared at module level is built on first use: `lazy(() => z.object(...))`
 * (./lazy.ts), inside `named()` too (`named('Contact', lazy(() => ...))`). A function loads every
 * schema its routes and events declare and parses with a few per invocation; built at load, they
 * were a tenth of a large function's cold start. A schema that carries metadata of its own
 * (`.check(z.meta(...))`) stays built: zod keeps that metadata on the built object. The same test
 * keeps declarations lazy.
 */
z.config(en());

export interface SchemaMeta {
  id: string;
  description?: string;
}

/** Named schemas become components of the OpenAPI document (`#/components/schemas/<id>`). */
export const apiRegistry = z.registry<SchemaMeta>();

/** Every named schema, in declaration order (the registry itself cannot be enumerated). */
export const namedSchemas: Array<{ schema: z.ZodMiniType; meta: SchemaMeta }> = [];

export function named<S extends z.ZodMiniType>(id: string, schema: S, description?: string): S {
  const meta = description ? { id, description } : { id };
  apiRegistry.add(schema, meta);
  namedSchemas.push({ schema, meta });
  return schema;
}

export function toFieldIssues(error: z.core.$ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.'),
    message: issue.message,
  }));
}

// Building blocks shared by every module.

export const Id = lazy(() =>
  z.string().check(z.refine((v) => isId(v), { message: 'Must be an id (a 26-character ULID).' })),
);

export const IsoDate = lazy(() => z.iso.date());
export const IsoDateTime = lazy(() => z.iso.datetime({ offset: true }));

const LOCAL_DATE_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d$/;
const LOCAL_DATE_TIME_MESSAGE =
  'Must be a local date and time such as 2026-01-05T09:00 (in the tenant time zone).';

/** The day exists in its month (no 30 February): the pattern alone cannot say. */
function realDay(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  return !LOCAL_DATE_TIME.test(value) || day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A wall-clock date and time without a zone, `YYYY-MM-DDTHH:mm`, read in the tenant's time zone. */
export const LocalDateTime = lazy(() =>
  z
    .string()
    .check(
      z.regex(LOCAL_DATE_TIME, { message: LOCAL_DATE_TIME_MESSAGE }),
      z.refine(realDay, { message: LOCAL_DATE_TIME_MESSAGE }),
    ),
);

export const TimeZone = lazy(() =>
  z
    .string()
    .check(z.refine((v) => isTimeZone(v), { message: 'Must be an IANA time zone such as Europe/Paris.' })),
);

const currencies = new Set(Intl.supportedValuesOf('currency'));
export const Currency = lazy(() =>
  z
    .string()
    .check(z.refine((v) => currencies.has(v), { message: 'Must be an ISO 4217 currency code such as EUR.' })),
);

const STORABLE_NUMBER =
  'Must be a number from -9007199254740991 to 9007199254740991, and 0 or at least 1e-100 in size.';

/** What DynamoDB, through the AWS SDK, stores as given: a safe magnitude and no underflow. */
export const isStorableNumber = (n: number) =>
  Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER && (n === 0 || Math.abs(n) >= 1e-100);

/** A free number a client sends (a custom field's value, a condition's operand). */
export const StorableNumber = lazy(() =>
  z.number().check(
    z.minimum(-Number.MAX_SAFE_INTEGER, { message: STORABLE_NUMBER }),
    z.maximum(Number.MAX_SAFE_INTEGER, { message: STORABLE_NUMBER }),
    // The range is checked above; this adds the underflow (JSON cannot carry NaN or Infinity).
    z.refine((n) => n === 0 || Math.abs(n) >= 1e-100, { message: STORABLE_NUMBER }),
  ),
);

/** Money is an integer number of minor units (cents) with its currency; never a float. */
export const MinorUnits = lazy(() =>
  z.int().check(z.minimum(0, { message: 'Must be zero or more minor units.' })),
);

/** A company's domain, lower-cased; at most 253 characters, as DNS allows (and a key can hold). */
export const DomainName = lazy(() =>
  z
    .string()
    .check(
      z.trim(),
      z.toLowerCase(),
      z.maxLength(253, { message: 'Must be a domain name of at most 253 characters.' }),
      z.regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, { message: 'Must be a domain name such as example.com.' }),
    ),
);

/** Trimmed and lower-cased, so comparisons and uniqueness are case-insensitive. */
export const Email = lazy(() =>
  z
    .string()
    .check(z.trim(), z.toLowerCase(), z.maxLength(254), z.email({ message: 'Must be an email address.' })),
);

export const NonEmpty = (max = 200) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

export const Limit = lazy(() =>
  z._default(
    z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100, { message: 'Must be at most 100.' })),
    25,
  ),
);

export const PageQuery = lazy(() =>
  z.object({
    limit: Limit,
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  }),
);

export function page<S extends z.ZodMiniType>(id: string, item: S) {
  return named(
    id,
    lazy(() => z.object({ items: z.array(item), nextCursor: z.optional(z.string()) })),
  );
}
