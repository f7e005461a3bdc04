import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

const Link = lazy(() => z.object({ type: z.string(), id: z.string() }));

export const TaskCreated = defineEvent(
  'tasks',
  'TaskCreated',
  'A task was created, by a member or by the CRM itself (automation, recurrence, dunning).',
  lazy(() =>
    z.object({
      taskId: z.string(),
      assigneeId: z.optional(z.string()),
      sourceType: z.string(),
      dueAt: z.optional(z.string()),
      links: z.array(Link),
      /** When the assignee is to be reminded, if they are. */
      remindAt: z.optional(z.string()),
    }),
  ),
  { columns: { assigneeId: 'owner_id', sourceType: 'origin' }, enrich: ['owner'] },
);

export const TaskStatusChanged = defineEvent(
  'tasks',
  'TaskStatusChanged',
  'A task moved to another status (open, in_progress, done, cancelled).',
  lazy(() =>
    z.object({ taskId: z.string(), from: z.string(), to: z.string(), assigneeId: z.optional(z.string()) }),
  ),
  { columns: { assigneeId: 'owner_id', from: 'from_status', to: 'status' }, enrich: ['owner'] },
);

export const TaskRescheduled = defineEvent(
  'tasks',
  'TaskRescheduled',
  "A task's reminder moved: its due time, assignee, reminder setting or open state changed.",
  lazy(() =>
    z.object({
      taskId: z.string(),
      assigneeId: z.optional(z.string()),
      dueAt: z.optional(z.string()),
      /** The new reminder moment; absent when there is none any more (closed, no due time...). */
      remindAt: z.optional(z.string()),
      previousRemindAt: z.optional(z.string()),
    }),
  ),
  { columns: { assigneeId: 'owner_id' }, enrich: ['owner'] },
);

export const RecurringTaskSaved = defineEvent(
  'tasks',
  'RecurringTaskSaved',
  'A recurring task was created, changed, paused or advanced to its next occurrence.',
  lazy(() =>
    z.object({
      recurringTaskId: z.string(),
      status: z.string(),
      /** Local date-time (tenant time zone) of the next task, if any. */
      nextOccurrence: z.optional(z.string()),
      /** The occurrence that was pending before this change, whose schedule is now stale. */
      previousOccurrence: z.optional(z.string()),
      timeZone: z.string(),
    }),
  ),
);
