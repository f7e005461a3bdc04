import { Id, IsoDateTime, NonEmpty, named, z } from '../platform/schema.ts';

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export const TaskStatus = named('TaskStatus', z.enum(TASK_STATUSES));
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TaskPriority = named('TaskPriority', z.enum(['low', 'normal', 'high', 'urgent']));

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
  z.object({ type: z.enum(LINK_TYPES), id: z.string().check(z.minLength(1), z.maxLength(64)) }),
  'A record the task is about.',
);
export type TaskLink = z.infer<typeof TaskLink>;

export const ChecklistItem = named(
  'ChecklistItem',
  z.object({
    id: z.string(),
    text: z.string(),
    /** For call checklists: what the customer answered. */
    answer: z.optional(z.string()),
    done: z.boolean(),
  }),
);
export type ChecklistItem = z.infer<typeof ChecklistItem>;

export const TaskSource = named(
  'TaskSource',
  z.object({
    type: z.enum(['manual', 'automation', 'recurrence', 'dunning', 'system']),
    /** What produced it: a rule id, a recurring task id, an invoice id. */
    ref: z.optional(z.string()),
  }),
);
export type TaskSource = z.infer<typeof TaskSource>;

export const Task = named(
  'Task',
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
    closedAt: z.optional(IsoDateTime),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
);
export type Task = z.infer<typeof Task>;

export const TaskCreate = named(
  'TaskCreate',
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
  }),
);
export type TaskCreate = z.infer<typeof TaskCreate>;

export const TaskUpdate = named(
  'TaskUpdate',
  z.object({
    title: z.optional(NonEmpty(200)),
    description: z.optional(z.nullable(z.string().check(z.maxLength(5000)))),
    assigneeId: z.optional(z.nullable(Id)),
    dueAt: z.optional(z.nullable(IsoDateTime)),
    priority: z.optional(TaskPriority),
    status: z.optional(TaskStatus),
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
);
export type TaskUpdate = z.infer<typeof TaskUpdate>;
