import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, LocalDateTime, NonEmpty, named } from '../platform/schema.ts';

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export const TaskStatus = named(
  'TaskStatus',
  lazy(() => z.enum(TASK_STATUSES)),
);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TaskPriority = named(
  'TaskPriority',
  lazy(() => z.enum(['low', 'normal', 'high', 'urgent'])),
);

export const LINK_TYPES = [
  'contact',
  'company',
  'deal',
  'quote',
  'order',
  'invoice',
  'survey_response',
  'lead',
] as const;
export const TaskLink = named(
  'TaskLink',
  lazy(() => z.object({ type: z.enum(LINK_TYPES), id: z.string().check(z.minLength(1), z.maxLength(64)) })),
  'A record the task is about.',
);
export type TaskLink = z.infer<typeof TaskLink>;

export const ChecklistItem = named(
  'ChecklistItem',
  lazy(() =>
    z.object({
      id: z.string(),
      text: z.string(),
      /** For call checklists: what the customer answered. */
      answer: z.optional(z.string()),
      done: z.boolean(),
    }),
  ),
);
export type ChecklistItem = z.infer<typeof ChecklistItem>;

export const TaskSource = named(
  'TaskSource',
  lazy(() =>
    z.object({
      type: z.enum(['manual', 'automation', 'recurrence', 'dunning', 'system']),
      /** What produced it: a rule id, a recurring task id, an invoice id. */
      ref: z.optional(z.string()),
    }),
  ),
);
export type TaskSource = z.infer<typeof TaskSource>;

export const Task = named(
  'Task',
  lazy(() =>
    z.object({
      id: Id,
      title: z.string(),
      description: z.optional(z.string()),
      assigneeId: z.optional(Id),
      dueAt: z.optional(IsoDateTime),
      priority: TaskPriority,
      status: TaskStatus,
      checklist: z.array(ChecklistItem),
      links: z.array(TaskLink),
      source: TaskSource,
      /** Minutes before `dueAt` at which the assignee is emailed a reminder; absent: no reminder. */
      reminderMinutesBefore: z.optional(z.int()),
      closedAt: z.optional(IsoDateTime),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
);
export type Task = z.infer<typeof Task>;

const ReminderMinutes = lazy(() =>
  z.int().check(z.minimum(0), z.maximum(10_080, { message: 'Must be at most a week (10080).' })),
);

/** What a reminder defaults to when the creator says nothing. */
export const DEFAULT_REMINDER_MINUTES = 60;

export const TaskCreate = named(
  'TaskCreate',
  lazy(() =>
    z.object({
      title: NonEmpty(200),
      description: z.optional(z.string().check(z.maxLength(5000))),
      assigneeId: z.optional(Id),
      dueAt: z.optional(IsoDateTime),
      priority: z._default(TaskPriority, 'normal'),
      checklist: z._default(
        z
          .array(z.object({ text: NonEmpty(500), answer: z.optional(z.string().check(z.maxLength(2000))) }))
          .check(z.maxLength(50)),
        [],
      ),
      links: z._default(z.array(TaskLink).check(z.maxLength(20)), []),
      /**
       * Minutes before the due time at which the assignee gets a reminder email (up to a week);
       * `null` for none. Defaults to 60 when left out.
       */
      reminderMinutesBefore: z.optional(z.nullable(ReminderMinutes)),
    }),
  ),
);
export type TaskCreate = z.infer<typeof TaskCreate>;

export const TaskUpdate = named(
  'TaskUpdate',
  lazy(() =>
    z.object({
      title: z.optional(NonEmpty(200)),
      description: z.optional(z.nullable(z.string().check(z.maxLength(5000)))),
      assigneeId: z.optional(z.nullable(Id)),
      dueAt: z.optional(z.nullable(IsoDateTime)),
      priority: z.optional(TaskPriority),
      status: z.optional(TaskStatus),
      reminderMinutesBefore: z.optional(z.nullable(ReminderMinutes)),
      checklist: z.optional(
        z.array(
          z.object({
            id: z.string(),
            answer: z.optional(z.string().check(z.maxLength(2000))),
            done: z.optional(z.boolean()),
          }),
        ),
      ),
    }),
  ),
);
export type TaskUpdate = z.infer<typeof TaskUpdate>;

const StatusCounts = {
  open: lazy(() => z.int()),
  in_progress: lazy(() => z.int()),
  done: lazy(() => z.int()),
  cancelled: lazy(() => z.int()),
  /** Open or in progress with a due time before `asOf`. */
  overdue: lazy(() => z.int()),
};

export const TaskSummary = named(
  'TaskSummary',
  lazy(() =>
    z.object({
      asOf: IsoDateTime,
      totals: z.object(StatusCounts),
      byAssignee: z.array(
        z.object({
          /** Absent for tasks nobody owns. */
          assigneeId: z.optional(Id),
          name: z.optional(z.string()),
          team: z.optional(z.string()),
          ...StatusCounts,
        }),
      ),
    }),
  ),
  'How many tasks there are, by status and assignee, and how many are overdue.',
);
export type TaskSummary = z.infer<typeof TaskSummary>;

/** A wall-clock time in the tenant's time zone, to the minute: `2026-01-05T09:00`. */
export const RecurringTaskStatus = lazy(() => z.enum(['active', 'paused']));

const RecurrenceRuleText = lazy(() => z.string().check(z.trim(), z.minLength(1), z.maxLength(500)));

const recurringFields = {
  title: NonEmpty(200),
  description: lazy(() => z.optional(z.string().check(z.maxLength(5000)))),
  assigneeId: lazy(() => z.optional(Id)),
  priority: lazy(() => z._default(TaskPriority, 'normal')),
  checklist: lazy(() => z._default(z.array(z.object({ text: NonEmpty(500) })).check(z.maxLength(50)), [])),
  links: lazy(() => z._default(z.array(TaskLink).check(z.maxLength(20)), [])),
  /** An RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=MO`): when each task appears. */
  rrule: RecurrenceRuleText,
  /** The first occurrence the rule counts from, in the tenant's time zone. */
  startsAt: LocalDateTime,
  /** How long after it appears each task is due; without it tasks have no due time. */
  dueAfterMinutes: lazy(() => z.optional(z.int().check(z.minimum(0), z.maximum(525_600)))),
  reminderMinutesBefore: lazy(() => z.optional(z.nullable(ReminderMinutes))),
};

export const RecurringTask = named(
  'RecurringTask',
  lazy(() =>
    z.object({
      id: Id,
      title: z.string(),
      description: z.optional(z.string()),
      assigneeId: z.optional(Id),
      priority: TaskPriority,
      checklist: z.array(z.object({ text: z.string() })),
      links: z.array(TaskLink),
      rrule: z.string(),
      startsAt: z.string(),
      dueAfterMinutes: z.optional(z.int()),
      reminderMinutesBefore: z.optional(z.nullable(z.int())),
      status: RecurringTaskStatus,
      /** The next time a task appears (tenant time zone); absent when the rule has ended or is paused. */
      nextOccurrence: z.optional(z.string()),
      nextOccurrenceAt: z.optional(IsoDateTime),
      lastOccurrence: z.optional(z.string()),
      lastTaskId: z.optional(Id),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A duty that comes back (weekly newsletter preparation, quarterly survey): a task appears at each occurrence of its rule.',
);
export type RecurringTask = z.infer<typeof RecurringTask>;

export const RecurringTaskCreate = named(
  'RecurringTaskCreate',
  lazy(() => z.object(recurringFields)),
);
export type RecurringTaskCreate = z.infer<typeof RecurringTaskCreate>;

export const RecurringTaskUpdate = named(
  'RecurringTaskUpdate',
  lazy(() =>
    z.object({
      title: z.optional(recurringFields.title),
      description: z.optional(z.nullable(z.string().check(z.maxLength(5000)))),
      assigneeId: z.optional(z.nullable(Id)),
      priority: z.optional(TaskPriority),
      checklist: z.optional(z.array(z.object({ text: NonEmpty(500) })).check(z.maxLength(50))),
      links: z.optional(z.array(TaskLink).check(z.maxLength(20))),
      rrule: z.optional(RecurrenceRuleText),
      startsAt: z.optional(LocalDateTime),
      dueAfterMinutes: z.optional(z.nullable(z.int().check(z.minimum(0), z.maximum(525_600)))),
      reminderMinutesBefore: z.optional(z.nullable(ReminderMinutes)),
      status: z.optional(RecurringTaskStatus),
    }),
  ),
);
export type RecurringTaskUpdate = z.infer<typeof RecurringTaskUpdate>;
