import { ReportScheduleSaved } from '../../events/reports.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { moveMailingTimer } from '../../shared/reports/schedules.ts';

/** Keeps one one-time schedule per pending report mailing; upserts are idempotent. */
export const handler = eventHandler('reports-timers', [ReportScheduleSaved], async (event, ctx) => {
  await moveMailingTimer(ctx, event.detail);
});
