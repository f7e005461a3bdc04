import { EVENT_SOURCE_PREFIX, type EventDefinition } from '../../events/define.ts';
import { eventCatalog } from '../../events/index.ts';
import type { FieldIssue } from '../platform/errors.ts';
import type { AutomationCondition, AutomationTrigger } from './schema.ts';

/**
 * What rules may be written against, derived from the event catalog alone, so a module that adds
 * an event makes it usable in rules without touching automation: the events (automation's own
 * excepted), the fields of each (the payload's shape), and the merge fields a rule's templates
 * may use.
 */
export type FieldKind = 'string' | 'number' | 'boolean' | 'list' | 'other';

export interface EventField {
  kind: FieldKind;
  /** Allowed values of an enum field. */
  values?: readonly string[];
}

const OWN_SOURCE = `${EVENT_SOURCE_PREFIX}automation`;

export function triggerableEvent(type: string): EventDefinition | undefined {
  const event = eventCatalog.get(type);
  return event && event.source !== OWN_SOURCE ? event : undefined;
}

export function triggerableEventTypes(): string[] {
  return [...eventCatalog.values()]
    .filter((e) => e.source !== OWN_SOURCE)
    .map((e) => e.type)
    .sort();
}

interface ZodDef {
  type: string;
  innerType?: { _zod: { def: ZodDef } };
  entries?: Record<string, string>;
}

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
  conditions: AutomationCondition[],
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

/** Whether an event's detail meets every condition (an absent field meets only `not_exists`). */
export function conditionsHold(conditions: AutomationCondition[], detail: Record<string, unknown>): boolean {
  return conditions.every((c) => {
    const actual = detail[c.field];
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

/** Does the trigger bring a contact (needed to email, tag or find the record's owner)? */
export function triggerHasContact(trigger: AutomationTrigger): boolean {
  if (trigger.type === 'inactivity') return true;
  if (trigger.type === 'schedule') return false;
  const event = triggerableEvent(trigger.event);
  return event ? eventFields(event).has('contactId') : false;
}

export function triggerHasOwnerField(trigger: AutomationTrigger): boolean {
  if (trigger.type !== 'event' && trigger.type !== 'delay') return false;
  const event = triggerableEvent(trigger.event);
  return event ? eventFields(event).has('ownerId') : false;
}

export const CONTACT_MERGE_FIELDS = [
  'contact.firstName',
  'contact.lastName',
  'contact.email',
  'contact.lifecycleStage',
  'owner.name',
  'owner.email',
];

/** The merge fields a rule's templates may use: the tenant, the trigger's fields, its contact. */
export function mergeFieldsFor(trigger: AutomationTrigger): string[] {
  const fields = ['tenant.name', 'trigger.date'];
  if (trigger.type === 'event' || trigger.type === 'delay') {
    const event = triggerableEvent(trigger.event);
    if (event) {
      for (const [name, field] of eventFields(event))
        if (field.kind !== 'list' && field.kind !== 'other') fields.push(`trigger.${name}`);
    }
  } else if (trigger.type === 'inactivity') {
    fields.push('trigger.lastPurchaseDate', 'trigger.days');
  } else {
    fields.push('trigger.occurrence');
  }
  if (triggerHasContact(trigger)) fields.push(...CONTACT_MERGE_FIELDS);
  return fields;
}

/** Event fields that name a record a task can link to. */
export const LINK_FIELDS: Record<string, string> = {
  contactId: 'contact',
  companyId: 'company',
  dealId: 'deal',
  quoteId: 'quote',
  orderId: 'order',
  invoiceId: 'invoice',
  responseId: 'survey_response',
  leadId: 'lead',
};
