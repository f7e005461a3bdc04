import { RecurringTaskSaved, TaskCreated, TaskRescheduled } from '../../events/tasks.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { scheduleRecurrence } from '../../shared/tasks/recurring.ts';
import { scheduleReminder } from '../../shared/tasks/reminders.ts';

/** Turns task changes into one-time schedules; upserts are idempotent, so redelivery is harmless. */
export const handler = eventHandler(
  'tasks-timers',
  [TaskCreated, TaskRescheduled, RecurringTaskSaved],
  async (event, ctx) => {
    if (event.type === 'RecurringTaskSaved') await scheduleRecurrence(ctx, event.detail);
    else await scheduleReminder(ctx, event.detail);
  },
);
