import { eventFields } from '../../events/conditions.ts';
import { EVENT_SOURCE_PREFIX, type EventDefinition } from '../../events/define.ts';
import { eventCatalog } from '../../events/index.ts';
import type { AutomationTrigger } from './schema.ts';

/**
 * What rules may be written against, derived from the event catalog alone, so a module that adds
 * an event makes it usable in rules without touching automation: the events (automation's own
 * excepted) and the merge fields a rule's templates may use. Conditions on an event's fields are
 * the shared pattern language of events/conditions.ts.
 */
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
  'contact.selfServiceLink',
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
