import { CaseOpened, CaseReplyPosted, CaseSlaBreached } from '../../events/cases.ts';
import { acknowledgeCase, escalateBreach, mailReply } from '../../shared/cases/mail.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** Acknowledgements, agents' replies and SLA escalations, each guarded so a redelivered event mails nothing twice. */
export const handler = eventHandler(
  'cases-mail',
  [CaseOpened, CaseReplyPosted, CaseSlaBreached],
  async (event, ctx) => {
    if (event.type === 'CaseSlaBreached') {
      const outcomes = await escalateBreach(ctx, event.detail.caseId, event.detail);
      ctx.logger.info('case SLA escalation', { caseId: event.detail.caseId, outcomes });
      return;
    }
    const outcome =
      event.type === 'CaseOpened'
        ? event.detail.acknowledge
          ? await acknowledgeCase(ctx, event.detail.caseId)
          : 'not_asked'
        : event.detail.visibility === 'public'
          ? await mailReply(ctx, event.detail.caseId, event.detail.messageId)
          : 'internal';
    ctx.logger.info('case mail', { type: event.type, caseId: event.detail.caseId, outcome });
  },
);
