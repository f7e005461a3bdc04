import { z } from '../shared/platform/schema.ts';
import { defineEvent } from './define.ts';

const Link = z.object({ type: z.string(), id: z.string() });

export const TaskCreated = defineEvent(
  'tasks',
  'TaskCreated',
  'A task was created, by a member or by the CRM itself (automation, recurrence, dunning).',
  z.object({
    taskId: z.string(),
    assigneeId: z.optional(z.string()),
    sourceType: z.string(),
    dueAt: z.optional(z.string()),
    links: z.array(Link),
  }),
);

export const TaskStatusChanged = defineEvent(
  'tasks',
  'TaskStatusChanged',
  'A task moved to another status (open, in_progress, done, cancelled).',
  z.object({ taskId: z.string(), from: z.string(), to: z.string(), assigneeId: z.optional(z.string()) }),
);
