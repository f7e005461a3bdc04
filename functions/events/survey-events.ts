import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import { MailingCompleted } from '../../events/marketing.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { eraseSurveyData, moveSurveyData } from '../../shared/surveys/privacy.ts';
import { recordMailingReach } from '../../shared/surveys/waves.ts';

/**
 * Keeps survey records in step with the rest of the CRM: erased and merged contacts, and the
 * number of invitations a wave's mailing sent. Each effect is idempotent.
 */
export const handler = eventHandler(
  'surveys-events',
  [ContactErased, ContactsMerged, MailingCompleted],
  async (event, ctx) => {
    if (event.type === 'ContactErased') await eraseSurveyData(ctx, event.detail.contactId);
    else if (event.type === 'ContactsMerged')
      await moveSurveyData(ctx, event.detail.contactId, event.detail.mergedContactId);
    else await recordMailingReach(ctx, event.detail.mailingId, event.detail.sent);
  },
);
