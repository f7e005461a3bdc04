import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/** Internal: a report schedule's pending occurrence changed, so its one-time schedule must follow. */
export const ReportScheduleSaved = defineEvent(
  'reports',
  'ReportScheduleSaved',
  'A report schedule was created, changed, paused, resumed, deleted or advanced to its next occurrence.',
  lazy(() =>
    z.object({
      scheduleId: z.string(),
      status: z.string(),
      /** Local date-time (tenant time zone) of the next mailing, if any. */
      nextOccurrence: z.optional(z.string()),
      /** The occurrence that was pending before this change, whose schedule is now stale. */
      previousOccurrence: z.optional(z.string()),
      timeZone: z.string(),
    }),
  ),
);
