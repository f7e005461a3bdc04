import * as z from 'zod/mini';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { mailOccurrence } from '../../shared/reports/mailings.ts';
import { REPORT_MAILING_SCHEDULE } from '../../shared/reports/schedules.ts';

const Occurrence = lazy(() => z.object({ scheduleId: z.string(), occurrence: z.string() }));

/** Mails one occurrence of a report schedule (its one-time schedule fired). */
export const handler = jobHandler('reports-mailer', async ({ input, ctx }) => {
  if (!ctx) throw new Error(`${input.schedule} runs per tenant but names no tenant.`);
  if (input.schedule !== REPORT_MAILING_SCHEDULE)
    throw new Error(`reports-mailer does not run ${input.schedule}.`);
  const { scheduleId, occurrence } = Occurrence.parse(input.payload);
  return mailOccurrence(ctx, scheduleId, occurrence);
});
