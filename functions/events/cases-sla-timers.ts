import {
  CaseCallLogged,
  CaseMessageReceived,
  CaseOpened,
  CaseReplyPosted,
  CaseStatusChanged,
} from '../../events/cases.ts';
import { armSlaTimer } from '../../shared/cases/sla.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** A case opened, or a message, call or status moved its SLA clocks: its timer goes to the next instant. */
export const handler = eventHandler(
  'cases-sla-timers',
  [CaseOpened, CaseMessageReceived, CaseReplyPosted, CaseCallLogged, CaseStatusChanged],
  async (event, ctx) => {
    const at = await armSlaTimer(ctx, event.detail.caseId);
    ctx.logger.info('case SLA timer', { caseId: event.detail.caseId, at });
  },
);
