import type * as z from 'zod/mini';

/**
 * Fields of a response that carry a secret: an API key, a private feed address, a signed link,
 * a webhook signing secret. A response schema declares them once, by wrapping the field's schema
 * in `secretField(...)`, and everything that keeps responses follows from that declaration:
 *
 * - the idempotency layer (http/handler.ts) stores such a response without them, so no secret
 *   sits in the table in plain text, and a replay returns the resource without them;
 * - the OpenAPI document says so on the field, and does not list it as required;
 * - test/e2e/secrets.test.ts finds every route whose response carries one through the route
 *   table, creates the resource, and proves that no item of the table holds the secret.
 */
const secrets = new WeakSet<object>();

export function secretField<S extends z.ZodMiniType>(schema: S): S {
  secrets.add(schema);
  return schema;
}

export function isSecretField(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && secrets.has(schema);
}

type Def = { type: string } & Record<string, unknown>;
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** The schemas directly inside `schema` (wrappers, fields, elements, options). */
function children(schema: z.ZodMiniType): z.ZodMiniType[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return [
        ...Object.values(def.shape as Record<string, z.ZodMiniType>),
        ...(def.catchall ? [def.catchall as z.ZodMiniType] : []),
      ];
    case 'array':
      return [def.element as z.ZodMiniType];
    case 'record':
      return [def.valueType as z.ZodMiniType];
    case 'tuple':
      return [...(def.items as z.ZodMiniType[]), ...(def.rest ? [def.rest as z.ZodMiniType] : [])];
    case 'union':
      return def.options as z.ZodMiniType[];
    case 'intersection':
      return [def.left as z.ZodMiniType, def.right as z.ZodMiniType];
    case 'pipe':
      return [def.in as z.ZodMiniType, def.out as z.ZodMiniType];
    case 'lazy':
      return [(def.getter as () => z.ZodMiniType)()];
    default:
      return def.innerType ? [def.innerType as z.ZodMiniType] : [];
  }
}

const carrying = new WeakMap<object, boolean>();

/** Whether a value of `schema` can hold a secret field anywhere inside it. */
export function hasSecretFields(schema: z.ZodMiniType | undefined, seen = new Set<object>()): boolean {
  if (!schema) return false;
  const known = carrying.get(schema);
  if (known !== undefined) return known;
  if (seen.has(schema)) return false;
  seen.add(schema);
  const result = isSecretField(schema) || children(schema).some((child) => hasSecretFields(child, seen));
  carrying.set(schema, result);
  return result;
}

/** Unwraps optional, nullable, default... down to the schema that is or is not a secret. */
function secretAt(schema: z.ZodMiniType): boolean {
  let current: z.ZodMiniType | undefined = schema;
  while (current) {
    if (isSecretField(current)) return true;
    current = defOf(current).innerType as z.ZodMiniType | undefined;
  }
  return false;
}

/**
 * Walks `value` (an output of `schema`) and calls `found` for each secret field's value; returns
 * the value with those fields left out.
 */
function strip(schema: z.ZodMiniType, value: unknown, found: (secret: unknown) => void): unknown {
  if (value === undefined || value === null || !hasSecretFields(schema)) return value;
  if (secretAt(schema)) {
    found(value);
    return undefined;
  }
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const shape = def.shape as Record<string, z.ZodMiniType>;
      const out: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value)) {
        const field = Object.hasOwn(shape, name) ? shape[name] : (def.catchall as z.ZodMiniType | undefined);
        const kept = field ? strip(field, item, found) : item;
        if (!(field && secretAt(field))) out[name] = kept;
      }
      return out;
    }
    case 'array':
      return Array.isArray(value)
        ? value.map((item) => strip(def.element as z.ZodMiniType, item, found))
        : value;
    case 'record':
      return typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, strip(def.valueType as z.ZodMiniType, v, found)]),
          )
        : value;
    case 'union': {
      const option = (def.options as z.ZodMiniType[]).find((o) => o.safeParse(value).success);
      return option ? strip(option, value, found) : value;
    }
    case 'pipe':
      return strip(def.out as z.ZodMiniType, value, found);
    case 'lazy':
      return strip((def.getter as () => z.ZodMiniType)(), value, found);
    default:
      return def.innerType ? strip(def.innerType as z.ZodMiniType, value, found) : value;
  }
}

/** `value` without its secret fields: what may be kept at rest or shown again. */
export function withoutSecrets(schema: z.ZodMiniType, value: unknown): unknown {
  return strip(schema, value, () => undefined);
}

/** The values of the secret fields in `value` (for tests that look for them where they must not be). */
export function secretValues(schema: z.ZodMiniType, value: unknown): string[] {
  const values: string[] = [];
  strip(schema, value, (secret) => values.push(String(secret)));
  return values;
}

/** Names of the secret fields declared directly on an object schema (for the OpenAPI document). */
export function secretFieldNames(schema: z.ZodMiniType): string[] {
  const def = defOf(schema);
  if (def.type !== 'object') return [];
  return Object.entries(def.shape as Record<string, z.ZodMiniType>)
    .filter(([, field]) => secretAt(field))
    .map(([name]) => name);
}
