import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/platform/clock.ts';
import {
  createTask,
  getTask,
  listTasksOf,
  taskForOccurrence,
  updateTask,
} from '../../../shared/tasks/service.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

beforeAll(useTable);

describe('tasks', () => {
  it('made for the same occurrence twice exist once', async () => {
    const { ctx, admin } = await newTenant();
    const input = {
      title: 'Collect invoice 2026-0042',
      assigneeId: admin.id,
      priority: 'high' as const,
      checklist: [],
      links: [{ type: 'invoice' as const, id: 'inv-1' }],
    };
    const [first, second] = await Promise.all([
      createTask(ctx, input, { source: { type: 'dunning', ref: 'inv-1' }, occurrence: 'collections#inv-1' }),
      createTask(ctx, input, { source: { type: 'dunning', ref: 'inv-1' }, occurrence: 'collections#inv-1' }),
    ]);
    expect(second.id).toBe(first.id);
    expect((await taskForOccurrence(ctx, 'collections#inv-1'))?.id).toBe(first.id);
    const open = await listTasksOf(ctx, admin.id, 'open', { limit: 10 });
    expect(open.items).toHaveLength(1);
  });

  it('record when they were closed, which may be a date given by the caller', async () => {
    const { ctx, admin } = await newTenant();
    const task = await createTask(ctx, {
      title: 'Call back',
      assigneeId: admin.id,
      priority: 'normal',
      checklist: [],
      links: [],
    });
    const done = await updateTask(ctx, task.id, { status: 'done' }, { closedAt: '2026-11-20T00:00:00.000Z' });
    expect(done.closedAt).toBe('2026-11-20T00:00:00.000Z');
    expect((await listTasksOf(ctx, admin.id, 'open', { limit: 10 })).items).toHaveLength(0);
    expect((await listTasksOf(ctx, admin.id, 'done', { limit: 10 })).items.map((t) => t.id)).toEqual([
      task.id,
    ]);
  });

  it('keep the answers given to their checklist questions', async () => {
    const { ctx, as, admin } = await newTenant();
    const task = await createTask(ctx, {
      title: 'Call the unhappy customer',
      assigneeId: admin.id,
      priority: 'high',
      checklist: [{ text: 'What went wrong?' }, { text: 'What would make it right?' }],
      links: [],
    });
    const later = as(
      { type: 'member', memberId: admin.id, role: 'admin' },
      fixedClock('2026-11-24T10:00:00Z'),
    );
    await updateTask(later, task.id, {
      checklist: [{ id: task.checklist[0]!.id, answer: 'Late delivery', done: true }],
    });
    const saved = await getTask(ctx, task.id);
    expect(saved.checklist).toEqual([
      { id: task.checklist[0]!.id, text: 'What went wrong?', answer: 'Late delivery', done: true },
      { id: task.checklist[1]!.id, text: 'What would make it right?', done: false },
    ]);
    expect(saved.updatedAt).toBe('2026-11-24T10:00:00.000Z');
  });
});
