import { TaskCreated, TaskRescheduled, TaskStatusChanged } from '../../events/tasks.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  getItem,
  getItems,
  type Page,
  queryPage,
  stampRevision,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { defaultOwnerId } from '../platform/owner.ts';
import { COUNTER_SHARDS, taskKeys } from './keys.ts';
import {
  DEFAULT_REMINDER_MINUTES,
  type Task,
  type TaskCreate,
  type TaskLink,
  type TaskSource,
  type TaskStatus,
  type TaskUpdate,
} from './schema.ts';

const toTask = (item: Record<string, unknown>) => withoutKeys<Task>(item);

const CLOSED: TaskStatus[] = ['done', 'cancelled'];

export function isClosed(status: TaskStatus): boolean {
  return CLOSED.includes(status);
}

function assigneeIndex(ctx: TenantContext, task: Pick<Task, 'assigneeId' | 'status' | 'dueAt' | 'id'>) {
  return {
    GSI1PK: taskKeys.byAssignee(ctx.tenantId, task.assigneeId),
    GSI1SK: taskKeys.assigneeSort(task.status, task.dueAt, task.id),
  };
}

/**
 * When the assignee of an open task is reminded: its due time less the reminder delay. Closed
 * tasks, tasks nobody owns and tasks without a due time have no reminder.
 */
export function remindAtOf(
  task: Pick<Task, 'assigneeId' | 'dueAt' | 'reminderMinutesBefore' | 'status'>,
): string | undefined {
  if (!task.assigneeId || !task.dueAt || task.reminderMinutesBefore === undefined) return undefined;
  if (isClosed(task.status)) return undefined;
  return new Date(Date.parse(task.dueAt) - task.reminderMinutesBefore * 60_000).toISOString();
}

/**
 * Keeps the summary counters exact: every change of a task's (assignee, status) moves one unit
 * between counters in the same transaction as the change. A random shard spreads concurrent
 * changes for the same assignee over several items, so transactions rarely collide.
 */
function countInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  assigneeId: string | undefined,
  status: TaskStatus,
  delta: number,
): void {
  const shard = Math.floor(Math.random() * COUNTER_SHARDS);
  uow.update(taskKeys.counter(ctx.tenantId, assigneeId, status, shard), {
    set: { entity: 'TaskCounter', status, assigneeId },
    add: { count: delta },
  });
}

export interface CreateOptions {
  source?: TaskSource;
  /**
   * What makes this task unique (e.g. `dunning#<invoiceId>`, `rule#<ruleId>#<eventId>`). A second
   * call with the same occurrence returns the task the first call created instead of a new one.
   */
  occurrence?: string;
  /** Also record the new task on this contact's timeline (derived: written once the task commits). */
  timelineContactId?: string;
}

export async function createTask(
  ctx: TenantContext,
  input: TaskCreate,
  options: CreateOptions = {},
): Promise<Task> {
  const now = ctx.clock.now().toISOString();
  const reminder =
    input.reminderMinutesBefore === undefined ? DEFAULT_REMINDER_MINUTES : input.reminderMinutesBefore;
  const links = uniqueLinks(input.links);
  const assigneeId = input.assigneeId ?? defaultOwnerId(ctx);
  const task: Task = {
    id: newId(),
    title: input.title,
    ...(input.description ? { description: input.description } : {}),
    ...(assigneeId ? { assigneeId } : {}),
    ...(input.dueAt ? { dueAt: new Date(input.dueAt).toISOString() } : {}),
    priority: input.priority,
    status: 'open',
    checklist: input.checklist.map((item) => ({
      id: newId(),
      text: item.text,
      ...(item.answer ? { answer: item.answer } : {}),
      done: false,
    })),
    links,
    source: options.source ?? { type: 'manual' },
    ...(reminder !== null ? { reminderMinutesBefore: reminder } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const taskKey = taskKeys.task(ctx.tenantId, task.id);
  const uow = unitOfWork(ctx).put(
    { ...taskKey, entity: 'Task', ...task, ...assigneeIndex(ctx, task) },
    { condition: notExists },
  );
  if (options.occurrence) {
    uow.put(
      {
        ...taskKeys.occurrence(ctx.tenantId, options.occurrence),
        entity: 'TaskOccurrence',
        taskId: task.id,
        // Listed, so that the tenant registry reaches the guard (no task names its occurrence).
        GSI1PK: taskKeys.occurrences(ctx.tenantId),
        GSI1SK: options.occurrence,
      },
      {
        condition: notExists,
        onConditionFailed: (existing) => new TaskAlreadyCreated(String(existing?.taskId)),
      },
    );
  }
  // The lookup of the tasks about a record is derived (written from the stream, within its lag):
  // a task's links are fixed when it is created, so a late write can never undo a later change.
  for (const link of links) {
    uow.derive(
      { ...taskKeys.link(ctx.tenantId, link.type, link.id, task.id), entity: 'TaskLink', taskId: task.id },
      { parent: taskKey },
    );
  }
  countInto(uow, ctx, task.assigneeId, task.status, 1);
  if (options.timelineContactId) {
    addTimelineEntryInto(uow, ctx, options.timelineContactId, {
      kind: 'task',
      title: `Task created: ${task.title}`,
      ref: { type: 'task', id: task.id },
    });
  }
  const remindAt = remindAtOf(task);
  uow.publish(TaskCreated, {
    taskId: task.id,
    sourceType: task.source.type,
    links: task.links,
    ...(task.assigneeId ? { assigneeId: task.assigneeId } : {}),
    ...(task.dueAt ? { dueAt: task.dueAt } : {}),
    ...(remindAt ? { remindAt } : {}),
  });
  try {
    await uow.commit();
    return task;
  } catch (error) {
    if (error instanceof TaskAlreadyCreated) return getTask(ctx, error.taskId);
    throw error;
  }
}

function uniqueLinks(links: TaskLink[]): TaskLink[] {
  const seen = new Set<string>();
  return links.filter((link) => {
    const key = `${link.type}#${link.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

class TaskAlreadyCreated extends ConflictError {
  constructor(readonly taskId: string) {
    super(`Task ${taskId} was already created for this occurrence.`);
  }
}

/** The task created for an occurrence, if any. */
export async function taskForOccurrence(ctx: TenantContext, occurrence: string): Promise<Task | undefined> {
  const guard = await getItem(ctx, taskKeys.occurrence(ctx.tenantId, occurrence));
  return guard ? getTask(ctx, String(guard.taskId)) : undefined;
}

export async function getTask(ctx: TenantContext, id: string): Promise<Task> {
  const item = await getItem(ctx, taskKeys.task(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Task', id);
  return toTask(item);
}

export async function listTasksOf(
  ctx: TenantContext,
  assigneeId: string | undefined,
  status: TaskStatus,
  page: { limit: number; cursor?: string },
): Promise<Page<Task>> {
  return queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: taskKeys.byAssignee(ctx.tenantId, assigneeId),
      sort: { beginsWith: `${status}#` },
    },
    page,
    toTask,
  );
}

/**
 * The tasks about one record (a contact, a quote, a survey response...), newest first, optionally
 * in one status. A page filtered by status may hold fewer than `limit` tasks and still have a next.
 */
export async function listTasksLinkedTo(
  ctx: TenantContext,
  link: TaskLink,
  status: TaskStatus | undefined,
  page: { limit: number; cursor?: string },
): Promise<Page<Task>> {
  const ids = await queryPage(
    ctx,
    {
      partition: taskKeys.byLink(ctx.tenantId, link.type, link.id),
      ascending: false,
      // The status filters the page after the query: a cursor is only good for the same status.
      filterFingerprint: { status: status ?? null },
    },
    page,
    (item) => String(item.taskId),
  );
  const found = await getItems(
    ctx,
    ids.items.map((id) => taskKeys.task(ctx.tenantId, id)),
  );
  const byId = new Map(found.map((item) => [String(item.id), toTask(item)]));
  const items = ids.items
    .map((id) => byId.get(id))
    .filter((task): task is Task => task !== undefined && (!status || task.status === status));
  return { items, ...(ids.nextCursor ? { nextCursor: ids.nextCursor } : {}) };
}

export interface UpdateOptions {
  ifMatch?: number | 'any';
  /** When the task was really closed (e.g. the payment date of the invoice it chased). */
  closedAt?: string;
}

export async function updateTask(
  ctx: TenantContext,
  id: string,
  input: TaskUpdate,
  options: UpdateOptions = {},
): Promise<Task> {
  const current = await getTask(ctx, id);
  if (typeof options.ifMatch === 'number' && options.ifMatch !== current.version)
    throw new PreconditionFailedError();
  const next: Task = { ...current };
  const { checklist, status, ...fields } = input;
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value === null) delete (next as Record<string, unknown>)[field];
    else
      (next as Record<string, unknown>)[field] =
        field === 'dueAt' ? new Date(value as string).toISOString() : value;
  }
  if (checklist) {
    const byId = new Map(checklist.map((c) => [c.id, c]));
    const unknown = checklist.filter((c) => !current.checklist.some((item) => item.id === c.id));
    if (unknown.length)
      throw ValidationError.field('body.checklist', `No checklist item ${unknown[0]!.id} on this task.`);
    next.checklist = current.checklist.map((item) => {
      const change = byId.get(item.id);
      return change
        ? {
            ...item,
            ...(change.answer !== undefined ? { answer: change.answer } : {}),
            ...(change.done !== undefined ? { done: change.done } : {}),
          }
        : item;
    });
  }
  if (status && status !== current.status) {
    next.status = status;
    if (isClosed(status)) next.closedAt = options.closedAt ?? ctx.clock.now().toISOString();
    else delete next.closedAt;
  }
  if (!stampRevision(ctx, current, next)) return current;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx).update(taskKeys.task(ctx.tenantId, id), {
    set: {
      ...set,
      description: next.description,
      assigneeId: next.assigneeId,
      dueAt: next.dueAt,
      closedAt: next.closedAt,
      reminderMinutesBefore: next.reminderMinutesBefore,
      ...assigneeIndex(ctx, next),
    },
    ...whileVersion(current.version),
  });
  if (next.status !== current.status || next.assigneeId !== current.assigneeId) {
    countInto(uow, ctx, current.assigneeId, current.status, -1);
    countInto(uow, ctx, next.assigneeId, next.status, 1);
  }
  if (next.status !== current.status) {
    uow.publish(TaskStatusChanged, {
      taskId: id,
      from: current.status,
      to: next.status,
      ...(next.assigneeId ? { assigneeId: next.assigneeId } : {}),
    });
  }
  const [before, after] = [remindAtOf(current), remindAtOf(next)];
  if (before !== after) {
    uow.publish(TaskRescheduled, {
      taskId: id,
      ...(next.assigneeId ? { assigneeId: next.assigneeId } : {}),
      ...(next.dueAt ? { dueAt: next.dueAt } : {}),
      ...(after ? { remindAt: after } : {}),
      ...(before ? { previousRemindAt: before } : {}),
    });
  }
  await uow.commit();
  return next;
}

/** An assignee's tasks in a status due between two instants (the calendar, reminders, digests). */
export async function tasksDueBetween(
  ctx: TenantContext,
  assigneeId: string | undefined,
  status: TaskStatus,
  from: string,
  to: string,
  page: { limit: number; cursor?: string },
): Promise<Page<Task>> {
  return queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: taskKeys.byAssignee(ctx.tenantId, assigneeId),
      sort: {
        between: [`${status}#${new Date(from).toISOString()}`, `${status}#${new Date(to).toISOString()}#~`],
      },
    },
    page,
    toTask,
  );
}

export interface TaskQuery {
  assigneeId?: string;
  status?: TaskStatus;
  dueFrom?: string;
  dueTo?: string;
  linkType?: TaskLink['type'];
  linkId?: string;
  limit: number;
  cursor?: string;
}

/** Far bounds of a due window left open; below the `9999` that tasks without a due time sort at. */
const EARLIEST_DUE = '1970-01-01T00:00:00.000Z';
const LATEST_DUE = '9998-12-31T23:59:59.999Z';

/**
 * The task lists of the API, each one key condition: the tasks about a record; an assignee's tasks
 * in a status due within a window; an assignee's tasks in a status, soonest due first.
 * `assigneeId` undefined means the tasks nobody owns.
 */
export async function findTasks(ctx: TenantContext, query: TaskQuery): Promise<Page<Task>> {
  const page = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
  if (query.linkType || query.linkId) {
    if (!query.linkType || !query.linkId)
      throw ValidationError.field(
        query.linkType ? 'query.linkId' : 'query.linkType',
        'Give both linkType and linkId to list the tasks about a record.',
      );
    if (query.dueFrom || query.dueTo)
      throw ValidationError.field(
        query.dueFrom ? 'query.dueFrom' : 'query.dueTo',
        'The tasks about a record are listed newest first, not by due date: leave the window out.',
      );
    return listTasksLinkedTo(ctx, { type: query.linkType, id: query.linkId }, query.status, page);
  }
  const status = query.status ?? 'open';
  if (query.dueFrom || query.dueTo) {
    const from = query.dueFrom ?? EARLIEST_DUE;
    const to = query.dueTo ?? LATEST_DUE;
    if (Date.parse(from) > Date.parse(to))
      throw ValidationError.field('query.dueTo', 'Must not be before dueFrom.');
    return tasksDueBetween(ctx, query.assigneeId, status, from, to, page);
  }
  return listTasksOf(ctx, query.assigneeId, status, page);
}
