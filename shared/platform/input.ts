import type * as z from 'zod/mini';
import type { FieldIssue } from './errors.ts';
import { toFieldIssues } from './schema.ts';

/**
 * The schema layer's rules for what a client sends, applied to every part of every request in one
 * place (http/request.ts calls `checkInput`), so no route can forget them:
 *
 * - **Strict input.** A field the schema does not declare is refused with its path, instead of
 *   being dropped in silence (`"emial"` would otherwise create a contact without an email). Only
 *   records (maps the schema declares as open, such as custom fields) take any name.
 * - **Text hygiene.** No string or field name may hold a control character other than tab, line
 *   feed and the carriage return of a CRLF line break, or an unpaired UTF-16 surrogate. Control
 *   characters forge log lines, CSV rows and mail headers, and break the XML and PDF renderers
 *   of other systems; a lone surrogate is not Unicode and cannot be stored or encoded faithfully.
 *   A bare carriage return is refused because, alone, it only ever serves to overwrite a line;
 *   CRLF is kept because browsers send every textarea's line breaks as CRLF and CSV uses it.
 * - **No `__proto__`.** The one field name that JavaScript objects treat as their prototype is
 *   refused wherever it appears, so no code path can be tricked into prototype pollution.
 */

/** Control characters (C0, DEL, C1) except tab, line feed, and a carriage return before a line feed. */
const CONTROL = /(?![\t\n]|\r\n)\p{Cc}/u;
/** With the `u` flag, a surrogate pair is one code point: only an unpaired half is in Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

const codePoint = (char: string) => `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with one piece of text, or undefined when it is clean. */
export function textProblem(text: string): string | undefined {
  const control = CONTROL.exec(text);
  if (control) {
    return `Must not contain control characters other than tab and line breaks (${codePoint(control[0])} at position ${control.index + 1}).`;
  }
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate)
    return `Must be valid Unicode text (an unpaired surrogate at position ${surrogate.index + 1}).`;
  return undefined;
}

/** A field name as it appears in a path: printable even when it is the problem. */
function printable(name: string): string {
  return name.replace(/[\p{Cc}\p{Cs}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const join = (path: string, name: string | number) =>
  path ? `${path}.${printable(String(name))}` : String(name);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every string and field name in `value`, at any depth, checked by `textProblem`. */
export function textIssues(value: unknown, path: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const visit = (current: unknown, at: string) => {
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) issues.push({ path: at, message: problem });
    } else if (Array.isArray(current)) {
      for (const [i, item] of current.entries()) visit(item, join(at, i));
    } else if (isPlainObject(current)) {
      for (const [name, item] of Object.entries(current)) {
        const here = join(at, name);
        const problem = name === '__proto__' ? 'This field name is reserved.' : textProblem(name);
        if (problem) issues.push({ path: here, message: `Invalid field name: ${problem}` });
        else visit(item, here);
      }
    }
  };
  visit(value, path);
  return issues;
}

type Def = { type: string } & Record<string, unknown>;
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
const succeeds = (schema: unknown, value: unknown) => (schema as z.ZodMiniType).safeParse(value).success;

/**
 * The fields of `value` that `schema` does not declare, with their paths. It follows the schema
 * the way zod parses: through optional, nullable, default, pipe and lazy wrappers, into arrays,
 * tuples and records, and, for a union, into the option the value matches (the option with no
 * unknown field when several match).
 */
export function unknownFieldIssues(schema: z.ZodMiniType, value: unknown, path: string): FieldIssue[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      if (!isPlainObject(value)) return [];
      const shape = def.shape as Record<string, z.ZodMiniType>;
      const catchall = def.catchall as z.ZodMiniType | undefined;
      const issues: FieldIssue[] = [];
      const known = Object.keys(shape);
      for (const [name, item] of Object.entries(value)) {
        const field = Object.hasOwn(shape, name) ? shape[name] : catchall;
        if (field && defOf(field).type !== 'never')
          issues.push(...unknownFieldIssues(field, item, join(path, name)));
        else if (!field) issues.push({ path: join(path, name), message: unknownMessage(known) });
      }
      return issues;
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return value === undefined || value === null
        ? []
        : unknownFieldIssues(def.innerType as z.ZodMiniType, value, path);
    case 'pipe':
      return unknownFieldIssues(def.in as z.ZodMiniType, value, path);
    case 'lazy':
      return unknownFieldIssues((def.getter as () => z.ZodMiniType)(), value, path);
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) => unknownFieldIssues(def.element as z.ZodMiniType, item, join(path, i)))
        : [];
    case 'tuple': {
      if (!Array.isArray(value)) return [];
      const items = def.items as z.ZodMiniType[];
      const rest = def.rest as z.ZodMiniType | null | undefined;
      return value.flatMap((item, i) => {
        const element = items[i] ?? rest;
        return element ? unknownFieldIssues(element, item, join(path, i)) : [];
      });
    }
    case 'record':
      return isPlainObject(value)
        ? Object.entries(value).flatMap(([name, item]) =>
            unknownFieldIssues(def.valueType as z.ZodMiniType, item, join(path, name)),
          )
        : [];
    case 'union': {
      const options = def.options as z.ZodMiniType[];
      let best: FieldIssue[] | undefined;
      for (const option of options) {
        if (!succeeds(option, value)) continue;
        const issues = unknownFieldIssues(option, value, path);
        if (issues.length === 0) return [];
        best ??= issues;
      }
      if (best) return best;
      // An invalid value is still checked: by the option its tag names in a discriminated union,
      // else for the fields that no option declares.
      const tagged = taggedOption(options, def.discriminator, value);
      if (tagged) return unknownFieldIssues(tagged, value, path);
      const [first, ...others] = options.map((option) => unknownFieldIssues(option, value, path));
      const everywhere = others.map((issues) => new Set(issues.map((issue) => issue.path)));
      return (first ?? []).filter((issue) => everywhere.every((paths) => paths.has(issue.path)));
    }
    case 'intersection': {
      // A field is unknown only when neither side declares it.
      const right = new Set(
        unknownFieldIssues(def.right as z.ZodMiniType, value, path).map((issue) => issue.path),
      );
      return unknownFieldIssues(def.left as z.ZodMiniType, value, path).filter((issue) =>
        right.has(issue.path),
      );
    }
    default:
      return [];
  }
}

function taggedOption(options: z.ZodMiniType[], discriminator: unknown, value: unknown) {
  if (typeof discriminator !== 'string' || !isPlainObject(value)) return undefined;
  return options.find((option) => {
    const tag = (defOf(option).shape as Record<string, z.ZodMiniType> | undefined)?.[discriminator];
    return tag && (defOf(tag).values as unknown[] | undefined)?.includes(value[discriminator]);
  });
}

function unknownMessage(known: string[]): string {
  if (known.length === 0) return 'Unknown field: nothing may be sent here.';
  const listed = known.length > 30 ? `${known.slice(0, 30).join(', ')}…` : known.join(', ');
  return `Unknown field; the fields here are: ${listed}.`;
}

/**
 * Parses one part of a request (`location` is `body`, `query` or `path`): the schema's own
 * validation, strict fields and text hygiene, every issue at once.
 */
export function checkInput(
  schema: z.ZodMiniType,
  value: unknown,
  location: string,
): { ok: true; data: unknown } | { ok: false; issues: FieldIssue[] } {
  const hygiene = textIssues(value, location);
  const result = schema.safeParse(value);
  // A field with a bad character is reported for that alone: the schema's complaints about the
  // same text would only repeat it.
  const flagged = new Set(hygiene.map((issue) => issue.path));
  const issues = [
    ...hygiene,
    ...(result.success ? [] : toFieldIssues(result.error, location)).filter((i) => !flagged.has(i.path)),
    ...unknownFieldIssues(schema, value, location).filter((i) => !flagged.has(i.path)),
  ];
  return issues.length ? { ok: false, issues } : { ok: true, data: result.success ? result.data : value };
}
