import { CaseOpened, CaseReplyPosted } from '../../events/cases.ts';
import { acknowledgeCase, mailReply } from '../../shared/cases/mail.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** Acknowledgements and agents' replies, each guarded so a redelivered event mails nothing twice. */
export const handler = eventHandler('cases-mail', [CaseOpened, CaseReplyPosted], async (event, ctx) => {
  const outcome =
    event.type === 'CaseOpened'
      ? event.detail.acknowledge
        ? await acknowledgeCase(ctx, event.detail.caseId)
        : 'not_asked'
      : event.detail.visibility === 'public'
        ? await mailReply(ctx, event.detail.caseId, event.detail.messageId)
        : 'internal';
  ctx.logger.info('case mail', { type: event.type, caseId: event.detail.caseId, outcome });
});
