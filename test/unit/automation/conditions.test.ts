import { describe, expect, it } from 'vitest';
import { checkConditions, conditionsHold } from '../../../events/conditions.ts';
import { SurveyResponded } from '../../../events/surveys.ts';
import { TaskCreated } from '../../../events/tasks.ts';
import { mergeFieldsFor } from '../../../shared/automation/catalog.ts';
import { delayEnd } from '../../../shared/automation/timers.ts';
import type { Tenant } from '../../../shared/tenancy/schema.ts';

describe('rule conditions', () => {
  it('hold for a detractor score and not for a promoter or a response without a score', () => {
    const detractor = [{ field: 'nps', op: 'lte' as const, value: 6 }];
    expect(conditionsHold(detractor, { nps: 3 })).toBe(true);
    expect(conditionsHold(detractor, { nps: 6 })).toBe(true);
    expect(conditionsHold(detractor, { nps: 9 })).toBe(false);
    expect(conditionsHold(detractor, { csat: 1 })).toBe(false);
  });

  it('combine with and, and test presence, equality and membership', () => {
    const conditions = [
      { field: 'contactId', op: 'exists' as const },
      { field: 'csat', op: 'in' as const, value: [1, 2] },
      { field: 'surveyId', op: 'ne' as const, value: 'internal' },
    ];
    expect(conditionsHold(conditions, { contactId: 'c', csat: 2, surveyId: 's' })).toBe(true);
    expect(conditionsHold(conditions, { csat: 2, surveyId: 's' })).toBe(false);
    expect(conditionsHold(conditions, { contactId: 'c', csat: 3, surveyId: 's' })).toBe(false);
  });

  it('are refused on a field the event does not have, naming the field and the fields it has', () => {
    const issues = checkConditions(
      SurveyResponded,
      [{ field: 'score', op: 'lte', value: 6 }],
      'body.trigger.conditions',
    );
    expect(issues).toEqual([
      {
        path: 'body.trigger.conditions.0.field',
        message: expect.stringMatching(/SurveyResponded has no field score; its fields are .*nps/),
      },
    ]);
  });

  it('are refused when the value does not fit the field', () => {
    const issues = checkConditions(
      SurveyResponded,
      [
        { field: 'nps', op: 'lte', value: 'six' },
        { field: 'surveyId', op: 'gt', value: 3 },
        { field: 'nps', op: 'exists', value: 1 },
      ],
      'c',
    );
    expect(issues.map((i) => i.path)).toEqual(['c.0.value', 'c.1.op', 'c.2.value']);
    expect(checkConditions(TaskCreated, [{ field: 'links', op: 'eq', value: 'x' }], 'c')[0]?.path).toBe(
      'c.0.op',
    );
  });
});

describe('merge fields of a rule', () => {
  it('offer the event fields and, when the event names a contact, the contact and owner', () => {
    const fields = mergeFieldsFor({ type: 'event', event: 'SurveyResponded', conditions: [] });
    expect(fields).toEqual(
      expect.arrayContaining(['trigger.nps', 'contact.firstName', 'owner.name', 'tenant.name']),
    );
    expect(
      mergeFieldsFor({ type: 'schedule', rrule: 'FREQ=DAILY', startsAt: '2026-01-01T09:00' }),
    ).not.toContain('contact.firstName');
  });
});

describe('a delay', () => {
  const tenant = { timeZone: 'Europe/Paris', settings: { quoteFollowUpDays: 3 } } as Tenant;

  it('in days ends at the same local time that many calendar days later, across a clock change', () => {
    const end = delayEnd('2026-10-23T14:00:00.000Z', { setting: 'quoteFollowUpDays' }, tenant);
    // 16:00 in Paris on Friday (summer time) is 16:00 on Monday (winter time).
    expect(end.local).toBe('2026-10-26T16:00');
    expect(end.at.toISOString()).toBe('2026-10-26T15:00:00.000Z');
  });

  it('in hours is elapsed time', () => {
    const end = delayEnd('2026-10-24T23:00:00.000Z', { amount: 5, unit: 'hours' }, tenant);
    expect(end.at.toISOString()).toBe('2026-10-25T04:00:00.000Z');
  });
});
