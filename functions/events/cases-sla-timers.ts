import { CaseOpened } from '../../events/cases.ts';
import { startSlaClock } from '../../shared/cases/sla.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** A case opened: its first-response clock starts, with a one-time schedule for the warning. */
export const handler = eventHandler('cases-sla-timers', [CaseOpened], async (event, ctx) => {
  const clock = await startSlaClock(ctx, event.detail.caseId);
  ctx.logger.info('case SLA clock', { caseId: event.detail.caseId, dueAt: clock?.dueAt });
});
