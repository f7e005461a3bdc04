import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFiring } from '../../../shared/automation/firing.ts';
import { createRule, createRuleFromTemplate, updateRule } from '../../../shared/automation/rules.ts';
import { listRuns } from '../../../shared/automation/runs.ts';
import type { AutomationRuleCreate, Firing } from '../../../shared/automation/schema.ts';
import { eraseContact, performMerge, requestMerge } from '../../../shared/contacts/privacy.ts';
import { getContact } from '../../../shared/contacts/records.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import { ValidationError } from '../../../shared/platform/errors.ts';
import { findTasks } from '../../../shared/tasks/service.ts';
import { createMember } from '../../../shared/tenancy/members.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const callTask = {
  type: 'create_task' as const,
  title: 'Call {{contact.firstName}}',
  priority: 'high' as const,
  checklist: [],
  assignTo: { type: 'owner' as const },
};

const detractors = (overrides: Partial<AutomationRuleCreate> = {}): AutomationRuleCreate => ({
  name: 'Detractors',
  enabled: true,
  trigger: { type: 'event', event: 'SurveyResponded', conditions: [{ field: 'nps', op: 'lte', value: 6 }] },
  actions: [callTask],
  ...overrides,
});

async function issuesOf(attempt: Promise<unknown>) {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
}

describe('automation rules', () => {
  it('refuse an unknown event type, naming the field and the known types', async () => {
    const { ctx } = await newTenant();
    const issues = await issuesOf(
      createRule(ctx, detractors({ trigger: { type: 'event', event: 'SurveyAnswered', conditions: [] } })),
    );
    expect(issues).toEqual([
      {
        path: 'body.trigger.event',
        message: expect.stringMatching(/Unknown event type SurveyAnswered; known: .*SurveyResponded/),
      },
    ]);
  });

  it('refuse a condition on a field the event does not have', async () => {
    const { ctx } = await newTenant();
    const issues = await issuesOf(
      createRule(
        ctx,
        detractors({
          trigger: {
            type: 'event',
            event: 'QuoteRequested',
            conditions: [{ field: 'nps', op: 'lte', value: 6 }],
          },
        }),
      ),
    );
    expect(issues[0]).toMatchObject({
      path: 'body.trigger.conditions.0.field',
      message: expect.stringMatching(/no field nps/),
    });
  });

  it('refuse a template with an unknown merge field', async () => {
    const { ctx } = await newTenant();
    const issues = await issuesOf(
      createRule(ctx, detractors({ actions: [{ ...callTask, title: 'Call {{contact.nickname}}' }] })),
    );
    expect(issues).toEqual([
      {
        path: 'body.actions.0.title',
        message: expect.stringMatching(/Unknown merge field \{\{contact.nickname\}\}/),
      },
    ]);
  });

  it('refuse an invalid RRULE, a contact action without a contact, and an empty team', async () => {
    const { ctx } = await newTenant();
    const issues = await issuesOf(
      createRule(ctx, {
        name: 'Quarterly',
        enabled: true,
        trigger: { type: 'schedule', rrule: 'FREQ=QUARTERLY', startsAt: '2027-01-01T09:00' },
        actions: [
          { type: 'tag_contact', tag: 'x' },
          { ...callTask, title: 'Quarterly survey', assignTo: { type: 'team', team: 'Nobody' } },
        ],
      }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'body.trigger.rrule',
      'body.actions.0.type',
      'body.actions.1.assignTo.team',
    ]);
  });

  it('refuse a delay cancelled on a field one of its events lacks', async () => {
    const { ctx } = await newTenant();
    const issues = await issuesOf(
      createRule(ctx, {
        name: 'Follow up',
        enabled: true,
        trigger: {
          type: 'delay',
          event: 'QuoteRequested',
          conditions: [],
          delay: { amount: 2, unit: 'days' },
          unless: { event: 'SurveyResponded', match: 'quoteId' },
        },
        actions: [callTask],
      }),
    );
    expect(issues).toEqual([
      { path: 'body.trigger.unless.match', message: 'SurveyResponded has no field quoteId naming a record.' },
    ]);
  });

  it('come ready-made for quote follow-ups, detractor calls and win-backs', async () => {
    const { ctx } = await newTenant();
    const rules = await Promise.all(
      (['quote-follow-up', 'detractor-call', 'win-back'] as const).map((template) =>
        createRuleFromTemplate(ctx, { template, enabled: true }),
      ),
    );
    expect(rules.map((r) => [r.template, r.trigger.type])).toEqual([
      ['quote-follow-up', 'delay'],
      ['detractor-call', 'event'],
      ['win-back', 'inactivity'],
    ]);
  });
});

describe('a rule firing', () => {
  it('runs once per occurrence, assigning round-robin in a team and tagging the contact', async () => {
    const { ctx } = await newTenant();
    const [ann, bob] = await Promise.all(
      ['ann', 'bob'].map((name) =>
        createMember(ctx, { name, email: `${name}@acme.example`, role: 'support', team: 'Care' }),
      ),
    );
    const contact = await createContact(ctx, {
      firstName: 'Grace',
      lastName: 'Hopper',
      lifecycleStage: 'customer',
      tags: [],
    });
    const rule = await createRule(
      ctx,
      detractors({
        actions: [
          { ...callTask, assignTo: { type: 'team', team: 'care' }, checklist: ['Why {{trigger.nps}}?'] },
          { type: 'tag_contact', tag: 'detractor' },
        ],
      }),
    );
    const firing = (eventId: string): Firing => ({
      tenantId: ctx.tenantId,
      ruleId: rule.id,
      occurrence: `event#${eventId}`,
      trigger: {
        type: 'event',
        at: '2026-12-01T10:00:00.000Z',
        eventType: 'SurveyResponded',
        eventId,
        contactId: contact.id,
        fields: { surveyId: 's', responseId: `r-${eventId}`, contactId: contact.id, nps: 3 },
      },
    });
    const first = await runFiring(ctx, firing('e1'), 1);
    const redelivered = await runFiring(ctx, firing('e1'), 1);
    await runFiring(ctx, firing('e2'), 1);

    expect(first.status).toBe('succeeded');
    expect(redelivered.id).toBe(first.id);
    const runs = await listRuns(ctx, rule.id, { limit: 10 });
    expect(runs.items.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    // The lookup of the tasks about a record trails their creation by the stream's lag.
    await derived.settle();
    const tasks = await findTasks(ctx, { linkType: 'contact', linkId: contact.id, limit: 10 });
    expect(tasks.items.map((t) => t.assigneeId).sort()).toEqual([ann!.id, bob!.id].sort());
    expect(tasks.items[0]).toMatchObject({
      title: 'Call Grace',
      checklist: [{ text: 'Why 3?', done: false }],
    });
    expect((await getContact(ctx, contact.id)).tags).toEqual(['detractor']);
  });

  it('that keeps failing is retried and recorded as failed on its last delivery, and skipped once disabled', async () => {
    const { ctx } = await newTenant();
    const rule = await createRule(ctx, detractors({ actions: [{ type: 'tag_contact', tag: 'x' }] }));
    const firing: Firing = {
      tenantId: ctx.tenantId,
      ruleId: rule.id,
      occurrence: 'event#gone',
      trigger: {
        type: 'event',
        at: '2026-12-01T10:00:00.000Z',
        contactId: '01JZZZZZZZZZZZZZZZZZZZZZZZ',
        fields: { nps: 2 },
      },
    };
    await expect(runFiring(ctx, firing, 1)).rejects.toThrow(/not found/);
    await expect(runFiring(ctx, firing, 2)).rejects.toThrow(/not found/);
    const failed = await runFiring(ctx, firing, 3);
    expect(failed).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/Contact .* was not found/),
    });
    const [run] = (await listRuns(ctx, rule.id, { limit: 10 })).items;
    expect(run).toMatchObject({ status: 'failed', attempts: 3 });

    await updateRule(ctx, rule.id, { enabled: false });
    const skipped = await runFiring(ctx, { ...firing, occurrence: 'event#later' }, 1);
    expect(skipped.status).toBe('skipped');
  });

  it('is skipped, saying why, when its contact was erased or merged away before it ran', async () => {
    const { ctx } = await newTenant();
    const rule = await createRule(ctx, detractors({ actions: [{ type: 'tag_contact', tag: 'x' }] }));
    const person = (lastName: string) =>
      createContact(ctx, { firstName: 'Gone', lastName, lifecycleStage: 'customer', tags: [] });
    const [erased, kept, merged] = await Promise.all([person('Erased'), person('Kept'), person('Merged')]);
    await eraseContact(ctx, erased.id);
    await requestMerge(ctx, kept.id, merged.id);
    await performMerge(ctx, kept.id, merged.id);
    const firingFor = (contactId: string): Firing => ({
      tenantId: ctx.tenantId,
      ruleId: rule.id,
      occurrence: `event#${contactId}`,
      trigger: { type: 'event', at: '2026-12-01T10:00:00.000Z', contactId, fields: { nps: 2 } },
    });
    expect((await runFiring(ctx, firingFor(erased.id), 1)).status).toBe('skipped');
    expect((await runFiring(ctx, firingFor(merged.id), 1)).status).toBe('skipped');
    const runs = (await listRuns(ctx, rule.id, { limit: 10 })).items;
    expect(runs.map((r) => [r.status, r.attempts, r.error]).sort()).toEqual(
      [
        ['skipped', 1, 'The contact was erased before the rule ran.'],
        ['skipped', 1, `The contact was merged into contact ${kept.id} before the rule ran.`],
      ].sort(),
    );
  });
});
