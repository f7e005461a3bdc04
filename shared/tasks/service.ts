import { TaskCreated, TaskStatusChanged } from '../../events/tasks.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import { getItem, type Page, queryPage, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { taskKeys } from './keys.ts';
import type { Task, TaskCreate, TaskSource, TaskStatus, TaskUpdate } from './schema.ts';

const toTask = (item: Record<string, unknown>) => withoutKeys<Task>(item);

const CLOSED: TaskStatus[] = ['done', 'cancelled'];

function assigneeIndex(ctx: TenantContext, task: Pick<Task, 'assigneeId' | 'status' | 'dueAt' | 'id'>) {
  return {
    GSI1PK: taskKeys.byAssignee(ctx.tenantId, task.assigneeId),
    GSI1SK: taskKeys.assigneeSort(task.status, task.dueAt, task.id),
  };
}

export interface CreateOptions {
  source?: TaskSource;
  /**
   * What makes this task unique (e.g. `dunning#<invoiceId>`, `rule#<ruleId>#<eventId>`). A second
   * call with the same occurrence returns the task the first call created instead of a new one.
   */
  occurrence?: string;
}

export async function createTask(
  ctx: TenantContext,
  input: TaskCreate,
  options: CreateOptions = {},
): Promise<Task> {
  const now = ctx.clock.now().toISOString();
  const task: Task = {
    id: newId(),
    title: input.title,
    ...(input.description ? { description: input.description } : {}),
    ...(input.assigneeId ? { assigneeId: input.assigneeId } : {}),
    ...(input.dueAt ? { dueAt: new Date(input.dueAt).toISOString() } : {}),
    priority: input.priority,
    status: 'open',
    checklist: input.checklist.map((item) => ({
      id: newId(),
      text: item.text,
      ...(item.answer ? { answer: item.answer } : {}),
      done: false,
    })),
    links: input.links,
    source: options.source ?? { type: 'manual' },
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const uow = unitOfWork(ctx).put(
    { ...taskKeys.task(ctx.tenantId, task.id), entity: 'Task', ...task, ...assigneeIndex(ctx, task) },
    { condition: notExists },
  );
  if (options.occurrence) {
    uow.put(
      { ...taskKeys.occurrence(ctx.tenantId, options.occurrence), entity: 'TaskOccurrence', taskId: task.id },
      {
        condition: notExists,
        onConditionFailed: (existing) => new TaskAlreadyCreated(String(existing?.taskId)),
      },
    );
  }
  uow.publish(TaskCreated, {
    taskId: task.id,
    sourceType: task.source.type,
    links: task.links,
    ...(task.assigneeId ? { assigneeId: task.assigneeId } : {}),
    ...(task.dueAt ? { dueAt: task.dueAt } : {}),
  });
  try {
    await uow.commit();
    return task;
  } catch (error) {
    if (error instanceof TaskAlreadyCreated) return getTask(ctx, error.taskId);
    throw error;
  }
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
    if (CLOSED.includes(status)) next.closedAt = options.closedAt ?? ctx.clock.now().toISOString();
    else delete next.closedAt;
  }
  if (JSON.stringify(next) === JSON.stringify(current)) return current;
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx).update(taskKeys.task(ctx.tenantId, id), {
    set: {
      ...set,
      description: next.description,
      assigneeId: next.assigneeId,
      dueAt: next.dueAt,
      closedAt: next.closedAt,
      ...assigneeIndex(ctx, next),
    },
    bumpVersion: true,
    condition: and(exists, hasVersion(current.version)),
    onConditionFailed: () => new PreconditionFailedError(),
  });
  if (next.status !== current.status) {
    uow.publish(TaskStatusChanged, {
      taskId: id,
      from: current.status,
      to: next.status,
      ...(next.assigneeId ? { assigneeId: next.assigneeId } : {}),
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
