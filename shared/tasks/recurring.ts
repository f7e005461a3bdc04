import { RecurringTaskSaved } from '../../events/tasks.ts';
import type { TenantContext } from '../platform/context.ts';
import type { Condition } from '../platform/db/expressions.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Page,
  queryPage,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  absentIfNotFound,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { getMember, getTenant } from '../tenancy/records.ts';
import { taskKeys } from './keys.ts';
import { moveOccurrenceTimer } from './one-time.ts';
import {
  compactLocal,
  localDateTime,
  nextOccurrence,
  normalizeRule,
  occurrenceInstant,
  parseRecurrence,
  RecurrenceError,
} from './recurrence.ts';
import type { RecurringTask, RecurringTaskCreate, RecurringTaskUpdate, Task } from './schema.ts';
import { createTask } from './service.ts';

/**
 * Recurring tasks: a task template and an RRULE. Only the next occurrence is ever pending: a
 * one-time schedule for it starts `fireRecurrence`, which creates that occurrence's task (guarded
 * by `recurrence#<id>#<occurrence>`, so a redelivered firing creates nothing more) and advances the
 * rule, whose change event schedules the occurrence after.
 */
export const RECURRENCE_SCHEDULE = 'task-recurrence';

const toRecurring = (item: Record<string, unknown>) => withoutKeys<RecurringTask>(item);

export function recurrenceScheduleName(id: string, occurrence: string): string {
  return `${RECURRENCE_SCHEDULE}-${id}-${compactLocal(occurrence)}`;
}

async function checkRule(rrule: string, startsAt: string, path = 'body'): Promise<void> {
  try {
    await parseRecurrence(rrule, startsAt);
  } catch (error) {
    if (error instanceof RecurrenceError) throw ValidationError.field(`${path}.rrule`, error.message);
    throw error;
  }
}

async function checkAssignee(ctx: TenantContext, assigneeId: string | undefined): Promise<void> {
  if (!assigneeId) return;
  const member = await getMember(ctx, assigneeId).catch(absentIfNotFound);
  if (member?.status !== 'active')
    throw ValidationError.field('body.assigneeId', `No active member ${assigneeId} in this tenant.`);
}

/** The next occurrence after now (and after the last one that fired), for an active rule. */
async function upcoming(
  task: Pick<RecurringTask, 'rrule' | 'startsAt' | 'status' | 'lastOccurrence'>,
  nowLocal: string,
): Promise<string | undefined> {
  if (task.status !== 'active') return undefined;
  const after = task.lastOccurrence && task.lastOccurrence > nowLocal ? task.lastOccurrence : nowLocal;
  return nextOccurrence(task.rrule, task.startsAt, after);
}

function withNext(task: RecurringTask, next: string | undefined, timeZone: string): RecurringTask {
  const result = { ...task };
  delete result.nextOccurrence;
  delete result.nextOccurrenceAt;
  if (next) {
    result.nextOccurrence = next;
    result.nextOccurrenceAt = occurrenceInstant(next, timeZone).toISOString();
  }
  return result;
}

export async function createRecurringTask(
  ctx: TenantContext,
  input: RecurringTaskCreate,
): Promise<RecurringTask> {
  const rrule = normalizeRule(input.rrule);
  await checkRule(rrule, input.startsAt);
  await checkAssignee(ctx, input.assigneeId);
  const tenant = await getTenant(ctx);
  const now = ctx.clock.now();
  const base: RecurringTask = {
    id: newId(),
    title: input.title,
    ...(input.description ? { description: input.description } : {}),
    ...(input.assigneeId ? { assigneeId: input.assigneeId } : {}),
    priority: input.priority,
    checklist: input.checklist,
    links: input.links,
    rrule,
    startsAt: input.startsAt,
    ...(input.dueAfterMinutes !== undefined ? { dueAfterMinutes: input.dueAfterMinutes } : {}),
    ...(input.reminderMinutesBefore !== undefined
      ? { reminderMinutesBefore: input.reminderMinutesBefore }
      : {}),
    status: 'active',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  const task = withNext(base, await upcoming(base, localDateTime(now, tenant.timeZone)), tenant.timeZone);
  const uow = unitOfWork(ctx).put(
    {
      ...taskKeys.recurring(ctx.tenantId, task.id),
      entity: 'RecurringTask',
      ...task,
      GSI1PK: taskKeys.recurringList(ctx.tenantId),
      GSI1SK: task.id,
    },
    { condition: notExists },
  );
  uow.publish(RecurringTaskSaved, {
    recurringTaskId: task.id,
    status: task.status,
    timeZone: tenant.timeZone,
    ...(task.nextOccurrence ? { nextOccurrence: task.nextOccurrence } : {}),
  });
  await uow.commit();
  return task;
}

export async function getRecurringTask(ctx: TenantContext, id: string): Promise<RecurringTask> {
  const item = await getItem(ctx, taskKeys.recurring(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Recurring task', id);
  return toRecurring(item);
}

export async function listRecurringTasks(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<RecurringTask>> {
  return queryPage(
    ctx,
    { index: 'GSI1', partition: taskKeys.recurringList(ctx.tenantId) },
    page,
    toRecurring,
  );
}

export async function updateRecurringTask(
  ctx: TenantContext,
  id: string,
  input: RecurringTaskUpdate,
  ifMatch?: number | 'any',
): Promise<RecurringTask> {
  const current = await getRecurringTask(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: RecurringTask = { ...current };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null && field !== 'reminderMinutesBefore') delete (next as Record<string, unknown>)[field];
    else
      (next as Record<string, unknown>)[field] = field === 'rrule' ? normalizeRule(value as string) : value;
  }
  if (input.rrule !== undefined || input.startsAt !== undefined) await checkRule(next.rrule, next.startsAt);
  if (input.assigneeId) await checkAssignee(ctx, input.assigneeId);
  const tenant = await getTenant(ctx);
  const now = ctx.clock.now();
  const timing = input.rrule !== undefined || input.startsAt !== undefined || input.status !== undefined;
  const updated = timing
    ? withNext(next, await upcoming(next, localDateTime(now, tenant.timeZone)), tenant.timeZone)
    : next;
  if (JSON.stringify(updated) === JSON.stringify(current)) return current;
  updated.updatedAt = now.toISOString();
  updated.version = current.version + 1;
  await saveRecurring(ctx, current, updated, tenant.timeZone, and(exists, hasVersion(current.version)));
  return updated;
}

export async function deleteRecurringTask(ctx: TenantContext, id: string): Promise<void> {
  const current = await getRecurringTask(ctx, id);
  const tenant = await getTenant(ctx);
  const uow = unitOfWork(ctx).delete(taskKeys.recurring(ctx.tenantId, id), {
    condition: exists,
    onConditionFailed: () => new NotFoundError('Recurring task', id),
  });
  uow.publish(RecurringTaskSaved, {
    recurringTaskId: id,
    status: 'deleted',
    timeZone: tenant.timeZone,
    ...(current.nextOccurrence ? { previousOccurrence: current.nextOccurrence } : {}),
  });
  await uow.commit();
}

async function saveRecurring(
  ctx: TenantContext,
  current: RecurringTask,
  next: RecurringTask,
  timeZone: string,
  condition: Condition | undefined,
): Promise<void> {
  const { id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx).update(taskKeys.recurring(ctx.tenantId, id), {
    set: {
      ...set,
      description: next.description,
      assigneeId: next.assigneeId,
      dueAfterMinutes: next.dueAfterMinutes,
      nextOccurrence: next.nextOccurrence,
      nextOccurrenceAt: next.nextOccurrenceAt,
    },
    bumpVersion: true,
    condition,
    onConditionFailed: () => new PreconditionFailedError(),
  });
  uow.publish(RecurringTaskSaved, {
    recurringTaskId: id,
    status: next.status,
    timeZone,
    ...(next.nextOccurrence ? { nextOccurrence: next.nextOccurrence } : {}),
    ...(current.nextOccurrence && current.nextOccurrence !== next.nextOccurrence
      ? { previousOccurrence: current.nextOccurrence }
      : {}),
  });
  await uow.commit();
}

/** Schedules the pending occurrence named by a RecurringTaskSaved event, and drops a stale one. */
export async function scheduleRecurrence(
  ctx: TenantContext,
  change: { recurringTaskId: string; nextOccurrence?: string; previousOccurrence?: string; timeZone: string },
): Promise<void> {
  await moveOccurrenceTimer(ctx, change, {
    name: (occurrence) => recurrenceScheduleName(change.recurringTaskId, occurrence),
    target: 'tasks-jobs',
    schedule: RECURRENCE_SCHEDULE,
    payload: (occurrence) => ({ recurringTaskId: change.recurringTaskId, occurrence }),
    description: (occurrence) => `Occurrence ${occurrence} of recurring task ${change.recurringTaskId}`,
  });
}

/**
 * Creates the task of one occurrence, once, and moves the rule on to the following occurrence.
 * A firing for an occurrence that is no longer the pending one (the rule was edited, paused or
 * deleted, or this is a redelivery after the rule moved on) creates nothing.
 */
export async function fireRecurrence(
  ctx: TenantContext,
  id: string,
  occurrence: string,
): Promise<Task | undefined> {
  const recurring = await getRecurringTask(ctx, id).catch(absentIfNotFound);
  if (recurring?.status !== 'active' || recurring.nextOccurrence !== occurrence) return undefined;
  const tenant = await getTenant(ctx);
  const at = occurrenceInstant(occurrence, tenant.timeZone);
  const task = await createTask(
    ctx,
    {
      title: recurring.title,
      ...(recurring.description ? { description: recurring.description } : {}),
      ...(recurring.assigneeId ? { assigneeId: recurring.assigneeId } : {}),
      ...(recurring.dueAfterMinutes !== undefined
        ? { dueAt: new Date(at.getTime() + recurring.dueAfterMinutes * 60_000).toISOString() }
        : {}),
      priority: recurring.priority,
      checklist: recurring.checklist,
      links: recurring.links,
      ...(recurring.reminderMinutesBefore !== undefined
        ? { reminderMinutesBefore: recurring.reminderMinutesBefore }
        : {}),
    },
    { source: { type: 'recurrence', ref: id }, occurrence: `recurrence#${id}#${occurrence}` },
  );
  const following = await nextOccurrence(recurring.rrule, recurring.startsAt, occurrence);
  const advanced = withNext(
    { ...recurring, lastOccurrence: occurrence, lastTaskId: task.id },
    following,
    tenant.timeZone,
  );
  advanced.updatedAt = ctx.clock.now().toISOString();
  advanced.version = recurring.version + 1;
  // Only the firing of the pending occurrence advances the rule; a concurrent edit wins.
  await saveRecurring(
    ctx,
    { ...recurring, nextOccurrence: undefined },
    advanced,
    tenant.timeZone,
    (e) => `${e.name('nextOccurrence')} = ${e.value(occurrence)}`,
  ).catch((error) => {
    if (!(error instanceof PreconditionFailedError)) throw error;
  });
  return task;
}
