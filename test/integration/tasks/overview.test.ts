import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { BadRequestError, ValidationError } from '../../../shared/platform/errors.ts';
import { createRecurringTask, fireRecurrence, getRecurringTask } from '../../../shared/tasks/recurring.ts';
import { createTask, findTasks, getTask, updateTask } from '../../../shared/tasks/service.ts';
import { taskSummary } from '../../../shared/tasks/summary.ts';
import { createMember } from '../../../shared/tenancy/members.ts';
import { startTableFaults, type TableFaults } from '../../support/db-faults.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

let derived: Derivations;
let tableFaults: TableFaults;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
  tableFaults = await startTableFaults();
});
afterAll(async () => {
  await tableFaults?.stop();
  await derived.stop();
});

const base = { priority: 'normal' as const, checklist: [], links: [] };

describe('the task summary', () => {
  it('counts tasks by status and assignee, and overdue ones as of a moment, whoever changed them', async () => {
    const { ctx, admin } = await newTenant();
    const sam = await createMember(ctx, { name: 'Sam Sales', email: 'sam@acme.example', role: 'sales' });
    const late = await createTask(ctx, {
      ...base,
      title: 'Late',
      assigneeId: sam.id,
      dueAt: '2026-12-01T10:00:00Z',
    });
    await createTask(ctx, { ...base, title: 'Later', assigneeId: sam.id, dueAt: '2026-12-20T10:00:00Z' });
    const started = await createTask(ctx, {
      ...base,
      title: 'Started',
      assigneeId: sam.id,
      dueAt: '2026-12-02T10:00:00Z',
    });
    await updateTask(ctx, started.id, { status: 'in_progress' });
    const moved = await createTask(ctx, { ...base, title: 'Moved', assigneeId: admin.id });
    await updateTask(ctx, moved.id, { assigneeId: sam.id, status: 'done' });
    await createTask(ctx, { ...base, title: 'Nobody', dueAt: '2026-11-01T10:00:00Z' });
    await updateTask(ctx, late.id, { priority: 'high' });

    const summary = await taskSummary(ctx, new Date('2026-12-10T00:00:00Z'));
    expect(summary.totals).toEqual({ open: 3, in_progress: 1, done: 1, cancelled: 0, overdue: 3 });
    const bySam = summary.byAssignee.find((row) => row.assigneeId === sam.id);
    expect(bySam).toMatchObject({ name: 'Sam Sales', open: 2, in_progress: 1, done: 1, overdue: 2 });
    expect(summary.byAssignee.find((row) => row.assigneeId === admin.id)).toBeUndefined();
    expect(summary.byAssignee.find((row) => row.assigneeId === undefined)).toMatchObject({
      open: 1,
      overdue: 1,
    });
  });

  it('stays exact when the same occurrence is created twice at once', async () => {
    const { ctx, admin } = await newTenant();
    const input = { ...base, title: 'Collect', assigneeId: admin.id };
    await Promise.all([
      createTask(ctx, input, { occurrence: 'collections#inv-9' }),
      createTask(ctx, input, { occurrence: 'collections#inv-9' }),
    ]);
    expect((await taskSummary(ctx)).totals.open).toBe(1);
  });
});

describe('task lists', () => {
  it('find the tasks about a record, and an assignee’s tasks due within a window', async () => {
    const { ctx, admin } = await newTenant();
    const contact = { type: 'contact' as const, id: 'contact-1' };
    const call = await createTask(ctx, {
      ...base,
      title: 'Call',
      assigneeId: admin.id,
      links: [contact],
      dueAt: '2026-12-03T09:00:00Z',
    });
    const mail = await createTask(ctx, {
      ...base,
      title: 'Mail',
      links: [contact, { type: 'quote', id: 'q-1' }],
    });
    await createTask(ctx, { ...base, title: 'Other', assigneeId: admin.id, dueAt: '2026-12-09T09:00:00Z' });
    await updateTask(ctx, mail.id, { status: 'done' });

    // The lookup of the tasks about a record trails their creation by the stream's lag.
    await derived.settle();
    const about = await findTasks(ctx, { linkType: 'contact', linkId: 'contact-1', limit: 10 });
    expect(about.items.map((t) => t.title)).toEqual(['Mail', 'Call']);
    const openAbout = await findTasks(ctx, {
      linkType: 'contact',
      linkId: 'contact-1',
      status: 'open',
      limit: 10,
    });
    expect(openAbout.items.map((t) => t.id)).toEqual([call.id]);
    const week = await findTasks(ctx, {
      assigneeId: admin.id,
      dueFrom: '2026-12-01T00:00:00Z',
      dueTo: '2026-12-07T00:00:00Z',
      limit: 10,
    });
    expect(week.items.map((t) => t.title)).toEqual(['Call']);
    await expect(findTasks(ctx, { linkType: 'quote', limit: 10 })).rejects.toThrow(ValidationError);
    // A cursor is good for the filter it was issued for; a due window does not apply to this list.
    const firstPage = await findTasks(ctx, { linkType: 'contact', linkId: 'contact-1', limit: 1 });
    expect(firstPage.nextCursor).toBeDefined();
    await expect(
      findTasks(ctx, {
        linkType: 'contact',
        linkId: 'contact-1',
        status: 'open',
        limit: 1,
        cursor: firstPage.nextCursor!,
      }),
    ).rejects.toThrow(BadRequestError);
    await expect(
      findTasks(ctx, {
        linkType: 'contact',
        linkId: 'contact-1',
        dueFrom: '2026-12-01T00:00:00Z',
        limit: 10,
      }),
    ).rejects.toThrow(ValidationError);
  });

  it('give tasks a reminder an hour before they are due unless told otherwise', async () => {
    const { ctx, admin } = await newTenant();
    const task = await createTask(ctx, {
      ...base,
      title: 'Due',
      assigneeId: admin.id,
      dueAt: '2026-12-03T09:00:00Z',
    });
    expect(task.reminderMinutesBefore).toBe(60);
    const silent = await createTask(ctx, { ...base, title: 'Quiet', reminderMinutesBefore: null });
    expect((await getTask(ctx, silent.id)).reminderMinutesBefore).toBeUndefined();
  });
});

describe('recurring tasks', () => {
  it('produce the task of their next occurrence once, then move to the one after', async () => {
    const { ctx, as, admin } = await newTenant({}, '2026-12-01T08:00:00Z');
    const recurring = await createRecurringTask(ctx, {
      title: 'Prepare the newsletter',
      assigneeId: admin.id,
      priority: 'normal',
      checklist: [{ text: 'Pick three stories' }],
      links: [],
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
      startsAt: '2026-12-07T09:00',
      dueAfterMinutes: 480,
    });
    expect(recurring).toMatchObject({
      nextOccurrence: '2026-12-07T09:00',
      nextOccurrenceAt: '2026-12-07T08:00:00.000Z',
    });

    const monday = as({ type: 'system', process: 'test' }, fixedClock('2026-12-07T08:00:30Z'));
    const task = await fireRecurrence(monday, recurring.id, '2026-12-07T09:00');
    const again = await fireRecurrence(monday, recurring.id, '2026-12-07T09:00');
    expect(task).toMatchObject({
      title: 'Prepare the newsletter',
      assigneeId: admin.id,
      dueAt: '2026-12-07T16:00:00.000Z',
      source: { type: 'recurrence', ref: recurring.id },
    });
    expect(task!.checklist.map((c) => c.text)).toEqual(['Pick three stories']);
    expect(again).toBeUndefined();
    expect(await getRecurringTask(ctx, recurring.id)).toMatchObject({
      nextOccurrence: '2026-12-14T09:00',
      lastOccurrence: '2026-12-07T09:00',
      lastTaskId: task!.id,
    });
    expect((await findTasks(ctx, { assigneeId: admin.id, limit: 10 })).items).toHaveLength(1);
  });

  it('go on when the firing meets a failing read: the occurrence is retried, not skipped', async () => {
    const { ctx, as, admin } = await newTenant({}, '2026-12-01T08:00:00Z');
    const recurring = await createRecurringTask(ctx, {
      title: 'Count the stock',
      assigneeId: admin.id,
      priority: 'normal',
      checklist: [],
      links: [],
      rrule: 'FREQ=DAILY',
      startsAt: '2026-12-02T09:00',
    });
    const firingTime = as({ type: 'system', process: 'test' }, fixedClock('2026-12-02T08:00:30Z'));
    await tableFaults.deliver(firingTime, { operation: 'GetItem', error: 'ThrottlingException' }, (c) =>
      fireRecurrence(c, recurring.id, '2026-12-02T09:00'),
    );

    expect(await getRecurringTask(ctx, recurring.id)).toMatchObject({
      nextOccurrence: '2026-12-03T09:00',
      lastOccurrence: '2026-12-02T09:00',
    });
    expect((await findTasks(ctx, { assigneeId: admin.id, limit: 10 })).items).toMatchObject([
      { title: 'Count the stock' },
    ]);
  });

  it('refuse an invalid rule with a 400 naming rrule', async () => {
    const { ctx } = await newTenant();
    const attempt = createRecurringTask(ctx, {
      title: 'Report',
      priority: 'normal',
      checklist: [],
      links: [],
      rrule: 'FREQ=FORTNIGHTLY',
      startsAt: '2027-01-01T09:00',
    });
    await expect(attempt).rejects.toMatchObject({
      issues: [{ path: 'body.rrule', message: expect.stringMatching(/FREQ/) }],
    });
  });
});
