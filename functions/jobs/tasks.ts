import * as z from 'zod/mini';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { fireRecurrence, RECURRENCE_SCHEDULE } from '../../shared/tasks/recurring.ts';
import {
  DIGEST_SCHEDULE,
  REMINDER_SCHEDULE,
  sendOverdueDigests,
  sendReminder,
} from '../../shared/tasks/reminders.ts';

const Reminder = lazy(() => z.object({ taskId: z.string(), remindAt: z.string() }));
const Occurrence = lazy(() => z.object({ recurringTaskId: z.string(), occurrence: z.string() }));

/** The tasks module's scheduled work: reminders, recurring-task occurrences, overdue digests. */
export const handler = jobHandler('tasks-jobs', async ({ input, ctx, clock }) => {
  if (!ctx) throw new Error(`${input.schedule} runs per tenant but names no tenant.`);
  switch (input.schedule) {
    case REMINDER_SCHEDULE: {
      const { taskId, remindAt } = Reminder.parse(input.payload);
      return { outcome: await sendReminder(ctx, taskId, remindAt) };
    }
    case RECURRENCE_SCHEDULE: {
      const { recurringTaskId, occurrence } = Occurrence.parse(input.payload);
      const task = await fireRecurrence(ctx, recurringTaskId, occurrence);
      return { taskId: task?.id };
    }
    case DIGEST_SCHEDULE:
      return sendOverdueDigests(ctx, clock.now());
    default:
      throw new Error(`tasks-jobs does not run ${input.schedule}.`);
  }
});
