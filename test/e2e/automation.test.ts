import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDefinition, EventPayload } from '../../events/define.ts';
import { QuoteRequested, QuoteSent } from '../../events/sales.ts';
import { SurveyResponded } from '../../events/surveys.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { fixedClock } from '../../shared/platform/clock.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId, tenantKey } from '../../shared/platform/db/keys.ts';
import { unitOfWork } from '../../shared/platform/db/repository.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The Done-when flows through the local runtime: events are written through a unit of work as a
 * real producer would, the outbox relay puts them on the bus, and the scheduler fires on the dates
 * the test moves its clock to. Dates are chosen ahead of today so every schedule lies in the future.
 */
const DAY = 86_400_000;
let current = new Date();
const clock = { now: () => new Date(current) };
const advanceTo = (instant: Date) => {
  if (instant > current) current = new Date(instant);
};

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let owner: { memberId: string; api: Api };
let ownerEmail: string;
let contactId: string;

/** Midnight UTC `days` from now: far enough ahead of the real clock for any at(...) schedule. */
const ahead = (days: number) => new Date(Math.floor(Date.now() / DAY) * DAY + days * DAY);

async function publish<E extends EventDefinition>(event: E, payload: EventPayload<E>, at: Date) {
  const ctx = tenantContext({
    tenantId: asTenantId(tenant.tenantId),
    actor: { type: 'system', process: 'test producer' },
    clock: fixedClock(at),
  });
  const uow = unitOfWork(ctx);
  const eventId = uow.publish(event, payload);
  await uow.commit();
  await runtime.settle();
  return { ...payload, eventId, tenantId: tenant.tenantId, occurredAt: at.toISOString() };
}

async function fireSchedulesAt(instant: Date) {
  advanceTo(instant);
  await runtime.scheduler.fireDue();
  await runtime.settle();
}

async function mailsTo(email: string) {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as {
    emails: Array<{ subject: string; destination: { to: string[] } }>;
  };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(email)));
}

const tasksOf = async (memberId: string, query = '') =>
  (await tenant.api.get(`/v1/tasks?assigneeId=${memberId}${query}`)).body.items as Array<Record<string, any>>;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0, clock });
  tenant = await signUpOverHttp(runtime);
  owner = await memberWithKey(tenant.api, 'sales');
  ownerEmail = (await tenant.api.get(`/v1/members/${owner.memberId}`)).body.email;
  const contact = await tenant.api.post('/v1/contacts', {
    firstName: 'Grace',
    lastName: 'Hopper',
    email: 'grace@navy.example',
    ownerId: owner.memberId,
    lifecycleStage: 'customer',
  });
  contactId = contact.body.id;
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a negative survey response', () => {
  it("creates a call task with its questions for the contact's owner, once however often it is delivered", async () => {
    const rule = await tenant.api.post('/v1/automation-rules/from-template', { template: 'detractor-call' });
    expect(rule.status).toBe(201);
    const at = ahead(2);
    const detail = await publish(
      SurveyResponded,
      {
        surveyId: 'nps-q4',
        responseId: 'resp-1',
        contactId,
        nps: 4,
        needsFollowUp: true,
        comment: 'Slow support.',
      },
      at,
    );
    await publish(
      SurveyResponded,
      { surveyId: 'nps-q4', responseId: 'resp-2', contactId, nps: 9, needsFollowUp: false },
      at,
    );
    // EventBridge may deliver the same event again: put it on the bus a second time.
    runtime.bus.putEvents([
      {
        Source: 'funnel.surveys',
        DetailType: 'SurveyResponded',
        Detail: JSON.stringify(detail),
        EventBusName: 'funnel-local',
      },
    ]);
    await runtime.settle();

    const tasks = await tasksOf(owner.memberId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Call Grace Hopper about their survey answer',
      description:
        'Grace answered a survey with NPS 4 (0-10) and CSAT not asked (1-5). Call to understand why. Comment: Slow support.',
      priority: 'high',
      source: { type: 'automation', ref: rule.body.id },
      links: expect.arrayContaining([
        { type: 'contact', id: contactId },
        { type: 'survey_response', id: 'resp-1' },
      ]),
    });
    expect(tasks[0]!.checklist.map((c: { text: string }) => c.text)).toEqual([
      'What disappointed you most?',
      'What would have made the experience better?',
      'What can we do now to make it right?',
      'May we check back with you once it is fixed?',
    ]);
    const runs = await tenant.api.get(`/v1/automation-rules/${rule.body.id}/runs`);
    expect(runs.body.items).toHaveLength(1);
    expect(runs.body.items[0]).toMatchObject({
      status: 'succeeded',
      occurrence: `event#${detail.eventId}`,
      trigger: { type: 'event', eventType: 'SurveyResponded', contactId },
      actions: [{ index: 0, type: 'create_task', status: 'done', taskId: tasks[0]!.id }],
    });
    const timeline = await tenant.api.get(`/v1/contacts/${contactId}/timeline`);
    expect(timeline.body.items.map((e: { title: string }) => e.title)).toContain(
      'Task created: Call Grace Hopper about their survey answer',
    );
    await tenant.api.patch(`/v1/tasks/${tasks[0]!.id}`, { status: 'done' });
  });

  it('creates the call task for a low CSAT too, even from a promoter', async () => {
    const rules = (await tenant.api.get('/v1/automation-rules')).body.items as Array<{ name: string }>;
    if (!rules.some((r) => r.name === 'Call detractors'))
      await tenant.api.post('/v1/automation-rules/from-template', { template: 'detractor-call' });
    // Another owner and contact, so the tasks of the other tests stay as they expect.
    const csatOwner = await memberWithKey(tenant.api, 'sales');
    const customer = await tenant.api.post('/v1/contacts', {
      firstName: 'Katherine',
      lastName: 'Johnson',
      email: 'katherine@nasa.example',
      ownerId: csatOwner.memberId,
      lifecycleStage: 'customer',
    });
    await publish(
      SurveyResponded,
      {
        surveyId: 'csat-q4',
        responseId: 'resp-csat',
        contactId: customer.body.id,
        nps: 9,
        csat: 1,
        needsFollowUp: true,
      },
      ahead(3),
    );
    await runtime.settle();

    const tasks = await tasksOf(csatOwner.memberId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Call Katherine Johnson about their survey answer',
      description:
        'Katherine answered a survey with NPS 9 (0-10) and CSAT 1 (1-5). Call to understand why. Comment: (none)',
      links: expect.arrayContaining([{ type: 'survey_response', id: 'resp-csat' }]),
    });
  });

  it('whose rule keeps failing is retried, then recorded as failed in its runs, not dead-lettered', async () => {
    const rule = await tenant.api.post('/v1/automation-rules', {
      name: 'Tag unhappy customers',
      trigger: {
        type: 'event',
        event: 'SurveyResponded',
        conditions: [{ field: 'csat', op: 'lte', value: 2 }],
      },
      actions: [{ type: 'tag_contact', tag: 'unhappy' }],
    });
    expect(rule.status).toBe(201);
    await publish(
      SurveyResponded,
      { surveyId: 'csat', responseId: 'resp-3', contactId: '01JAAAAAAAAAAAAAAAAAAAAAAA', csat: 1 },
      ahead(2),
    );
    const runs = await tenant.api.get(`/v1/automation-rules/${rule.body.id}/runs`);
    expect(runs.body.items).toEqual([
      expect.objectContaining({
        status: 'failed',
        attempts: 3,
        error: 'Contact 01JAAAAAAAAAAAAAAAAAAAAAAA was not found.',
      }),
    ]);
    expect(runtime.deadLetters.list()).toEqual([]);
    await tenant.api.patch(`/v1/automation-rules/${rule.body.id}`, { enabled: false });
  });
});

describe('a quote request', () => {
  it('with no quote sent after the delay creates a follow-up task; one answered in time does not', async () => {
    const rule = await tenant.api.post('/v1/automation-rules/from-template', { template: 'quote-follow-up' });
    expect(rule.status).toBe(201);
    const requested = ahead(7);
    await publish(QuoteRequested, { quoteId: 'quote-late', contactId, ownerId: owner.memberId }, requested);
    await publish(QuoteRequested, { quoteId: 'quote-sent', contactId, ownerId: owner.memberId }, requested);
    const timers = runtime.scheduler.list().filter((s) => s.name.startsWith('automation-timer-'));
    expect(timers).toHaveLength(2);
    // Three days later in Paris, at the same local time (the tenant's quoteFollowUpDays).
    expect(timers[0]).toMatchObject({
      timezone: 'Europe/Paris',
      nextRun: new Date(requested.getTime() + 3 * DAY).toISOString(),
    });
    const sentTimer = timers.find((t) => JSON.stringify(t.input).includes('quote-sent'))!;

    await publish(
      QuoteSent,
      { quoteId: 'quote-sent', contactId, ownerId: owner.memberId },
      new Date(requested.getTime() + 3_600_000),
    );
    expect(runtime.scheduler.list().filter((s) => s.name.startsWith('automation-timer-'))).toHaveLength(1);
    // A schedule can fire while it is being deleted: the cancelled timer does nothing.
    expect(await runtime.lambda.invoke(sentTimer.target, sentTimer.input)).toEqual({ fired: false });

    await fireSchedulesAt(new Date(requested.getTime() + 3 * DAY + 60_000));
    const tasks = await tasksOf(owner.memberId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Follow up on the quote request of Grace Hopper',
      priority: 'high',
      dueAt: new Date(requested.getTime() + 4 * DAY).toISOString(),
      links: expect.arrayContaining([{ type: 'quote', id: 'quote-late' }]),
    });
    expect(runtime.scheduler.list().filter((s) => s.name.startsWith('automation-timer-'))).toHaveLength(0);
    const runs = await tenant.api.get(`/v1/automation-rules/${rule.body.id}/runs`);
    expect(
      runs.body.items.map((r: { status: string; trigger: { type: string } }) => [r.status, r.trigger.type]),
    ).toEqual([['succeeded', 'delay']]);
  });
});

describe('a recurring task', () => {
  it('produces its next occurrence on time, once, and schedules the one after', async () => {
    const start = ahead(14);
    const monday = new Date(start.getTime() + ((8 - start.getUTCDay()) % 7) * DAY).toISOString().slice(0, 10);
    const created = await tenant.api.post('/v1/recurring-tasks', {
      title: 'Prepare the weekly newsletter',
      assigneeId: owner.memberId,
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      startsAt: `${monday}T09:00`,
      dueAfterMinutes: 480,
      reminderMinutesBefore: null,
    });
    expect(created.status).toBe(201);
    expect(created.body.nextOccurrence).toBe(`${monday}T09:00`);
    await runtime.settle();
    const occurrenceAt = new Date(created.body.nextOccurrenceAt);

    await fireSchedulesAt(new Date(occurrenceAt.getTime() + 60_000));
    const tasks = (await tasksOf(owner.memberId)).filter((t) => t.source.type === 'recurrence');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Prepare the weekly newsletter',
      dueAt: new Date(occurrenceAt.getTime() + 8 * 3_600_000).toISOString(),
    });
    const next = await tenant.api.get(`/v1/recurring-tasks/${created.body.id}`);
    const following = new Date(Date.parse(`${monday}T00:00:00Z`) + 7 * DAY).toISOString().slice(0, 10);
    expect(next.body).toMatchObject({ nextOccurrence: `${following}T09:00`, lastTaskId: tasks[0]!.id });
    const pending = runtime.scheduler
      .list()
      .filter((s) => s.name.startsWith(`task-recurrence-${created.body.id}`));
    expect(pending).toHaveLength(1);
    // The same occurrence delivered again creates nothing more.
    await runtime.lambda.invoke('tasks-jobs', {
      schedule: 'task-recurrence',
      tenantId: tenant.tenantId,
      payload: { recurringTaskId: created.body.id, occurrence: `${monday}T09:00` },
    });
    expect((await tasksOf(owner.memberId)).filter((t) => t.source.type === 'recurrence')).toHaveLength(1);
  });
});

describe('reminders', () => {
  it('email the assignee before the due time, and the daily digest lists what is overdue', async () => {
    const due = new Date(ahead(30).getTime() + 10 * 3_600_000);
    const task = await tenant.api.post('/v1/tasks', {
      title: 'Call the supplier',
      assigneeId: owner.memberId,
      dueAt: due.toISOString(),
      reminderMinutesBefore: 30,
    });
    expect(task.status).toBe(201);
    await runtime.settle();
    await fireSchedulesAt(new Date(due.getTime() - 29 * 60_000));
    expect((await mailsTo(ownerEmail)).map((m) => m.subject)).toContain('Reminder: Call the supplier');

    const [digest] = await runtime.scheduler.runNow('overdue-task-digest', {
      asOf: new Date(due.getTime() + DAY).toISOString(),
    });
    await runtime.settle();
    expect(digest?.ok).toBe(true);
    // The owner's earlier follow-ups are overdue by then too.
    expect((await mailsTo(ownerEmail)).map((m) => m.subject)).toContainEqual(
      expect.stringMatching(/^\d+ overdue tasks?$/),
    );
    const summary = await tenant.api.get('/v1/tasks/summary');
    expect(
      summary.body.byAssignee.find((r: { assigneeId?: string }) => r.assigneeId === owner.memberId),
    ).toMatchObject({
      name: expect.stringMatching(/^sales/),
      done: 1,
    });
  });
});

describe('a schedule-triggered rule', () => {
  it('creates its task at each occurrence of its rule, in the tenant time zone', async () => {
    const first = ahead(45).toISOString().slice(0, 10);
    const rule = await tenant.api.post('/v1/automation-rules', {
      name: 'Quarterly survey',
      trigger: { type: 'schedule', rrule: 'FREQ=MONTHLY;INTERVAL=3', startsAt: `${first}T08:00` },
      actions: [
        {
          type: 'create_task',
          title: 'Send the quarterly survey ({{trigger.date}})',
          assignTo: { type: 'member', memberId: owner.memberId },
          reminderMinutesBefore: null,
        },
      ],
    });
    expect(rule.status).toBe(201);
    expect(rule.body.nextOccurrence).toBe(`${first}T08:00`);
    await runtime.settle();
    expect(
      runtime.scheduler.list().filter((s) => s.name.startsWith(`automation-schedule-${rule.body.id}`)),
    ).toHaveLength(1);

    await fireSchedulesAt(new Date(Date.parse(rule.body.nextOccurrenceAt) + 60_000));
    const tasks = (await tasksOf(owner.memberId)).filter((t) =>
      t.title.startsWith('Send the quarterly survey'),
    );
    expect(tasks.map((t) => t.title)).toEqual([`Send the quarterly survey (${first})`]);
    const after = await tenant.api.get(`/v1/automation-rules/${rule.body.id}`);
    expect(after.body.nextOccurrence > `${first}T08:00`).toBe(true);
    const pending = runtime.scheduler
      .list()
      .filter((s) => s.name.startsWith(`automation-schedule-${rule.body.id}`));
    expect(pending.map((s) => s.input)).toEqual([
      expect.objectContaining({ payload: { ruleId: rule.body.id, occurrence: after.body.nextOccurrence } }),
    ]);
  });
});

describe('an inactive customer', () => {
  it('is found by the daily job through the last-purchase index, once, and a missed day is caught up', async () => {
    const winBack = await tenant.api.post('/v1/automation-rules/from-template', { template: 'win-back' });
    expect(winBack.status).toBe(201);
    const today = ahead(60).toISOString().slice(0, 10);
    const daysBefore = (n: number) =>
      new Date(Date.parse(`${today}T00:00:00Z`) - n * DAY).toISOString().slice(0, 10);
    const ctx = tenantContext({
      tenantId: asTenantId(tenant.tenantId),
      actor: { type: 'system', process: 'sales' },
    });
    const customers: string[] = [];
    for (const [name, lastPurchaseDate] of [
      ['Ada', daysBefore(90)],
      ['Alan', daysBefore(91)],
      ['Linus', daysBefore(30)],
    ] as const) {
      const created = await tenant.api.post('/v1/contacts', {
        firstName: name,
        lastName: 'Customer',
        ownerId: owner.memberId,
      });
      customers.push(created.body.id);
      // What sales keeps about each buyer (written here: sales is built concurrently).
      await unitOfWork(ctx)
        .put({
          PK: tenantKey(ctx.tenantId, 'CONTACT', created.body.id),
          SK: 'PURCHASE-SUMMARY',
          entity: 'PurchaseSummary',
          contactId: created.body.id,
          lastPurchaseDate,
          GSI5PK: tenantKey(ctx.tenantId, 'LAST-PURCHASE'),
          GSI5SK: `${lastPurchaseDate}#${created.body.id}`,
        })
        .commit();
    }
    const runDaily = async (date: string) => {
      await runtime.scheduler.runNow('automation-daily', { asOf: `${date}T07:00:00Z` });
      await runtime.settle();
    };
    // The job ran two days ago, then missed yesterday: today's run catches yesterday up.
    await runDaily(daysBefore(2));
    await runDaily(today);
    await runDaily(today);

    const winBackTasks = (await tasksOf(owner.memberId)).filter((t) => t.title.startsWith('Win back'));
    expect(winBackTasks.map((t) => t.title).sort()).toEqual([
      'Win back Ada Customer',
      'Win back Alan Customer',
    ]);
    for (const [i, id] of customers.entries()) {
      const contact = await tenant.api.get(`/v1/contacts/${id}`);
      expect(contact.body.tags).toEqual(i < 2 ? ['win-back'] : []);
    }
    const runs = await tenant.api.get(`/v1/automation-rules/${winBack.body.id}/runs`);
    expect(runs.body.items).toHaveLength(2);
  });
});

describe('bad rules', () => {
  it('answer 400 naming the field: unknown event, unknown field, unknown merge field, invalid RRULE', async () => {
    const task = { type: 'create_task', title: 'Call {{contact.firstName}}' };
    const attempts = await Promise.all([
      owner.api.post('/v1/automation-rules', {
        name: 'x',
        trigger: { type: 'event', event: 'Nope' },
        actions: [task],
      }),
      owner.api.post('/v1/automation-rules', {
        name: 'x',
        trigger: {
          type: 'event',
          event: 'SurveyResponded',
          conditions: [{ field: 'mood', op: 'eq', value: 'sad' }],
        },
        actions: [task],
      }),
      owner.api.post('/v1/automation-rules', {
        name: 'x',
        trigger: { type: 'event', event: 'QuoteRequested' },
        actions: [{ ...task, title: 'Call {{contact.nickname}}' }],
      }),
      owner.api.post('/v1/automation-rules', {
        name: 'x',
        trigger: { type: 'schedule', rrule: 'FREQ=NEVER', startsAt: '2027-01-01T09:00' },
        actions: [
          { ...task, title: 'Annual report', assignTo: { type: 'member', memberId: owner.memberId } },
        ],
      }),
      owner.api.post('/v1/recurring-tasks', {
        title: 'x',
        rrule: 'EVERY=MONDAY',
        startsAt: '2027-01-01T09:00',
      }),
    ]);
    expect(attempts.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(attempts.map((r) => r.body.errors[0].path)).toEqual([
      'body.trigger.event',
      'body.trigger.conditions.0.field',
      'body.actions.0.title',
      'body.trigger.rrule',
      'body.rrule',
    ]);
  });
});
