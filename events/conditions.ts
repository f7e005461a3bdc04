import * as z from 'zod/mini';
import type { FieldIssue } from '../shared/platform/errors.ts';
import { lazy } from '../shared/platform/lazy.ts';
import { NonEmpty, named, StorableNumber } from '../shared/platform/schema.ts';
import type { EventDefinition } from './define.ts';

/**
 * The pattern language over event payloads: a list of conditions on a payload's fields, all of
 * which must hold. Automation rules use it for their triggers and webhook endpoints for their
 * filters, so a filter means the same thing wherever it is written. It is checked against the
 * event catalog (a field the event does not have, a value that does not fit it) when saved.
 */
export const CONDITION_OPERATORS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'exists',
  'not_exists',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

const Scalar = lazy(() => z.union([z.string().check(z.maxLength(500)), StorableNumber, z.boolean()]));

export const EventCondition = named(
  'EventCondition',
  lazy(() =>
    z.object({
      field: NonEmpty(100).check(
        z.meta({ description: "A field of the event's payload.", examples: ['total'] }),
      ),
      op: z.enum(CONDITION_OPERATORS).check(
        z.meta({
          description:
            '`eq`, `ne`, `in` (any field but lists), `lt`, `lte`, `gt`, `gte` (numbers), `exists`, `not_exists`.',
          examples: ['gte'],
        }),
      ),
      value: z.optional(
        z.union([Scalar, z.array(Scalar).check(z.maxLength(50))]).check(
          z.meta({
            description: 'Compared with the field; a list for `in`; none for `exists` and `not_exists`.',
            examples: [10000],
          }),
        ),
      ),
    }),
  ),
  'A test on a field of an event; all conditions of a list must hold. A field absent from an event meets only `not_exists`.',
);
export type EventCondition = z.infer<typeof EventCondition>;

export type FieldKind = 'string' | 'number' | 'boolean' | 'list' | 'other';

export interface EventField {
  kind: FieldKind;
  /** Allowed values of an enum field. */
  values?: readonly string[];
}

interface ZodDef {
  type: string;
  innerType?: { _zod: { def: ZodDef } };
  entries?: Record<string, string>;
}

/** The fields of an event's payload and what kind of value each holds. */
export function eventFields(event: EventDefinition): Map<string, EventField> {
  const fields = new Map<string, EventField>();
  for (const [name, schema] of Object.entries(event.payload.shape)) {
    let def = (schema as { _zod: { def: ZodDef } })._zod.def;
    while ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType)
      def = def.innerType._zod.def;
    const kind: FieldKind =
      def.type === 'string' || def.type === 'enum'
        ? 'string'
        : def.type === 'number' || def.type === 'int'
          ? 'number'
          : def.type === 'boolean'
            ? 'boolean'
            : def.type === 'array'
              ? 'list'
              : 'other';
    fields.set(name, { kind, ...(def.entries ? { values: Object.values(def.entries) } : {}) });
  }
  return fields;
}

const ORDERED = new Set(['lt', 'lte', 'gt', 'gte']);

/** What is wrong with each condition against the event's fields (empty when all are fine). */
export function checkConditions(
  event: EventDefinition,
  conditions: EventCondition[],
  path: string,
): FieldIssue[] {
  const fields = eventFields(event);
  const issues: FieldIssue[] = [];
  conditions.forEach((condition, i) => {
    const at = `${path}.${i}`;
    const field = fields.get(condition.field);
    if (!field) {
      issues.push({
        path: `${at}.field`,
        message: `${event.type} has no field ${condition.field}; its fields are ${[...fields.keys()].join(', ')}.`,
      });
      return;
    }
    const { op, value } = condition;
    if (op === 'exists' || op === 'not_exists') {
      if (value !== undefined) issues.push({ path: `${at}.value`, message: `${op} takes no value.` });
      return;
    }
    if (field.kind === 'list' || field.kind === 'other') {
      issues.push({
        path: `${at}.op`,
        message: `${condition.field} is a list: only exists and not_exists apply.`,
      });
      return;
    }
    if (ORDERED.has(op) && field.kind !== 'number') {
      issues.push({
        path: `${at}.op`,
        message: `${op} compares numbers, and ${condition.field} is not one.`,
      });
      return;
    }
    const values = op === 'in' ? value : [value];
    if (!Array.isArray(values) || values.length === 0) {
      issues.push({
        path: `${at}.value`,
        message: op === 'in' ? 'in takes a list of values.' : `${op} takes a single value.`,
      });
      return;
    }
    for (const v of values) {
      if (typeof v !== field.kind) {
        issues.push({
          path: `${at}.value`,
          message: `${condition.field} is a ${field.kind}; ${JSON.stringify(v)} is not.`,
        });
        return;
      }
      if (field.values && !field.values.includes(v as string)) {
        issues.push({
          path: `${at}.value`,
          message: `${condition.field} is one of ${field.values.join(', ')}; ${JSON.stringify(v)} is not.`,
        });
        return;
      }
    }
  });
  return issues;
}

/** Whether an event's payload meets every condition (an absent field meets only `not_exists`). */
export function conditionsHold(conditions: EventCondition[], payload: Record<string, unknown>): boolean {
  return conditions.every((c) => {
    const actual = payload[c.field];
    const present = actual !== undefined && actual !== null;
    switch (c.op) {
      case 'exists':
        return present;
      case 'not_exists':
        return !present;
      case 'in':
        return present && Array.isArray(c.value) && c.value.includes(actual as string | number | boolean);
      case 'eq':
        return present && actual === c.value;
      case 'ne':
        return present && actual !== c.value;
      default: {
        if (typeof actual !== 'number' || typeof c.value !== 'number') return false;
        if (c.op === 'lt') return actual < c.value;
        if (c.op === 'lte') return actual <= c.value;
        if (c.op === 'gt') return actual > c.value;
        return actual >= c.value;
      }
    }
  });
}
