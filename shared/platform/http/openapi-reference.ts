import { sample } from 'openapi-sampler';
import { DATE_NOTE, GLOSSARY, MONEY_FIELDS, MONEY_NOTE } from './glossary.ts';
import type { Expansion } from './route.ts';

/**
 * What turns the generated OpenAPI document into a reference a developer can learn from:
 * descriptions for every property and parameter (from the schemas, else the glossary), money and
 * date-only fields that say their unit and time zone, and an example for every body, sampled from
 * its schema with the glossary's realistic values (openapi-sampler, Redocly's sampler).
 */
type Json = Record<string, unknown>;

/** Realistic values for common names, used where a schema gives no example, enum or pattern. */
const EXAMPLE_VALUES: Record<string, unknown> = {
  currency: 'EUR',
  country: 'FR',
  timeZone: 'Europe/Paris',
  locale: 'en-US',
  firstName: 'Ada',
  lastName: 'Lovelace',
  domain: 'example.com',
  sku: 'CHAIR-OAK',
  rrule: 'FREQ=WEEKLY;BYDAY=MO',
  from: '09:00',
  to: '17:30',
  startsAt: '2026-01-05T09:00',
  sendAt: '2026-01-05T09:00',
  nextOccurrence: '2026-01-12T09:00',
  code: '123456',
  city: 'Lyon',
  postalCode: '69002',
};
const EXAMPLE_ID = '01JD5Z8Q4K7M2N3P6R9S0T1V2W';

const isObject = (value: unknown): value is Json =>
  !!value && typeof value === 'object' && !Array.isArray(value);

const hasType = (schema: Json, type: string) =>
  schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));

/** Whether a property (or any alternative of it) is a date-only string. */
const isDateOnly = (schema: Json): boolean =>
  schema.format === 'date' ||
  (Array.isArray(schema.anyOf) && schema.anyOf.some((s) => isObject(s) && isDateOnly(s)));

function describeProperty(owner: string, name: string, property: Json, siblings: Json, asParameter: boolean) {
  const own = typeof property.description === 'string' ? property.description : undefined;
  // An `amount` beside a `unit` is a duration (wait 3 days), not money.
  const money = MONEY_FIELDS.has(name) && !('unit' in siblings);
  const duration = MONEY_FIELDS.has(name) && !money;
  let description =
    own ??
    (asParameter ? GLOSSARY[`param:${name}`] : undefined) ??
    GLOSSARY[`${owner}.${name}`] ??
    GLOSSARY[`${owner.replace(/(Input|Request)$/, '')}.${name}`] ??
    (duration ? 'How many units of time (see `unit`).' : undefined) ??
    GLOSSARY[name];
  if (money && !description?.includes('minor units'))
    description = [description, MONEY_NOTE].filter(Boolean).join(' ');
  if (isDateOnly(property) && !description?.includes('time zone'))
    description = [description, DATE_NOTE].filter(Boolean).join(' ');
  if (description) property.description = description;
  exemplify(name, property);
  for (const alternative of Array.isArray(property.anyOf) ? property.anyOf : [])
    if (isObject(alternative)) exemplify(name, alternative);
}

function exemplify(name: string, schema: Json) {
  if (schema.examples !== undefined || schema.enum !== undefined || !hasType(schema, 'string')) return;
  const value = name === 'id' || name.endsWith('Id') ? EXAMPLE_ID : EXAMPLE_VALUES[name];
  // A value the field's own pattern refuses is no example of it.
  const fits =
    typeof value === 'string' &&
    schema.format === undefined &&
    (typeof schema.pattern !== 'string' || new RegExp(schema.pattern, 'u').test(value));
  if (fits) schema.examples = [value];
}

function walk(owner: string, schema: unknown, asParameter: boolean) {
  if (Array.isArray(schema)) {
    for (const item of schema) walk(owner, item, asParameter);
    return;
  }
  if (!isObject(schema)) return;
  if (isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (isObject(property)) describeProperty(owner, name, property, schema.properties, asParameter);
    }
  }
  for (const value of Object.values(schema)) walk(owner, value, asParameter);
}

/**
 * Describes every property of the components in place. Components that become path and query
 * parameters (`parameterIds`) prefer the glossary's `param:` entries.
 */
export function describeComponents(components: Record<string, Json>, parameterIds: Set<string>) {
  for (const [id, schema] of Object.entries(components)) {
    const owner = id;
    walk(owner, schema, parameterIds.has(id));
  }
}

/** An example value for a schema, resolving `$ref`s against the document's components. */
export function exampleOf(schema: Json, components: Record<string, Json>): unknown {
  return sample(
    schema as never,
    { skipReadOnly: true, skipWriteOnly: false, quiet: true } as never,
    {
      components: { schemas: components },
    } as never,
  );
}

/** Every JSON request and response body of the paths gets an example sampled from its schema. */
export function addExamples(paths: Record<string, Record<string, Json>>, components: Record<string, Json>) {
  const fill = (content: unknown) => {
    if (!isObject(content)) return;
    for (const [type, media] of Object.entries(content)) {
      if (!type.includes('json') || !isObject(media) || !isObject(media.schema)) continue;
      if (media.example === undefined && type !== 'application/problem+json')
        media.example = exampleOf(media.schema, components);
    }
  };
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      if (isObject(operation.requestBody)) fill(operation.requestBody.content);
      for (const response of Object.values(operation.responses as Json)) {
        if (isObject(response)) fill(response.content);
      }
    }
  }
}

/** Its cost is explained in ./expand.ts. */
export function describeExpand(expand: Record<string, Expansion>): string {
  const relations = Object.entries(expand)
    .map(([name, { field }]) => `\`${name}\` (the record \`${field}\` names)`)
    .join(', ');
  return (
    `Comma-separated relations to include under \`expanded\` in each record: ${relations}. ` +
    'A relation whose record does not exist expands to null. Cost: one batch read for every 100 ' +
    'distinct records the page names, whatever the number of relations.'
  );
}
