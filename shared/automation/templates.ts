import type { AutomationRuleCreate, TemplateId } from './schema.ts';

export interface Template {
  /** The name the API uses for it everywhere: in this list, in from-template, on the rules made from it. */
  template: TemplateId;
  name: string;
  description: string;
  rule: AutomationRuleCreate;
}

/** The ready-made rules every tenant can start from. */
export const TEMPLATES: Template[] = [
  {
    template: 'quote-follow-up',
    name: 'Quote request follow-up',
    description:
      "When a quote was requested and no quote was sent within the tenant's quoteFollowUpDays " +
      '(3 by default), the owner gets a task to follow up.',
    rule: {
      name: 'Follow up on quote requests without a quote',
      enabled: true,
      trigger: {
        type: 'delay',
        event: 'QuoteRequested',
        conditions: [],
        delay: { setting: 'quoteFollowUpDays' },
        unless: { event: 'QuoteSent', match: 'quoteId' },
      },
      actions: [
        {
          type: 'create_task',
          title: 'Follow up on the quote request of {{contact.firstName}} {{contact.lastName}}',
          description:
            'A quote was requested on {{trigger.date}} and none has been sent yet. Send it, or call ' +
            '{{contact.firstName}} to find out what is missing.',
          priority: 'high',
          dueIn: { amount: 1, unit: 'days' },
          checklist: [],
          assignTo: { type: 'owner' },
        },
      ],
    },
  },
  {
    template: 'detractor-call',
    name: 'Call unhappy customers',
    description:
      'When a survey answer is a detractor (NPS 6 or less) or a low CSAT (2 or less), the ' +
      "contact's owner gets a call task with the questions to ask.",
    rule: {
      name: 'Call detractors',
      enabled: true,
      trigger: {
        type: 'event',
        event: 'SurveyResponded',
        // Set by surveys for NPS 0-6 or CSAT 1-2: a rule's conditions all hold together, so one
        // flag covers both scores.
        conditions: [{ field: 'needsFollowUp', op: 'eq', value: true }],
      },
      actions: [
        {
          type: 'create_task',
          title: 'Call {{contact.firstName}} {{contact.lastName}} about their survey answer',
          description:
            '{{contact.firstName}} answered a survey with NPS {{trigger.nps | "not asked"}} (0-10) and CSAT ' +
            '{{trigger.csat | "not asked"}} (1-5). Call to understand why. Comment: {{trigger.comment | "(none)"}}',
          priority: 'high',
          dueIn: { amount: 2, unit: 'days' },
          checklist: [
            'What disappointed you most?',
            'What would have made the experience better?',
            'What can we do now to make it right?',
            'May we check back with you once it is fixed?',
          ],
          assignTo: { type: 'owner' },
        },
      ],
    },
  },
  {
    template: 'win-back',
    name: 'Win back customers who stopped buying',
    description:
      'When a customer has bought nothing for 90 days, they are tagged win-back and their owner gets a task to reach out.',
    rule: {
      name: 'Win back customers with no purchase in 90 days',
      enabled: true,
      trigger: { type: 'inactivity', days: 90 },
      actions: [
        { type: 'tag_contact', tag: 'win-back' },
        {
          type: 'create_task',
          title: 'Win back {{contact.firstName}} {{contact.lastName}}',
          description:
            '{{contact.firstName}} has bought nothing since {{trigger.lastPurchaseDate}}. Reach out with ' +
            'something relevant to what they bought before.',
          priority: 'normal',
          dueIn: { amount: 7, unit: 'days' },
          checklist: [],
          assignTo: { type: 'owner' },
        },
      ],
    },
  },
];

export function templateOf(id: TemplateId): Template {
  const template = TEMPLATES.find((t) => t.template === id);
  if (!template) throw new Error(`No template ${id}.`);
  return template;
}
