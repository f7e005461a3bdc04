import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { eraseSurveyData, moveSurveyData } from '../../shared/surveys/privacy.ts';

/** Keeps survey records in step with the address book: erasures and merges of contacts. */
export const handler = eventHandler(
  'surveys-contacts',
  [ContactErased, ContactsMerged],
  async (event, ctx) => {
    if (event.type === 'ContactErased') await eraseSurveyData(ctx, event.detail.contactId);
    else await moveSurveyData(ctx, event.detail.contactId, event.detail.mergedContactId);
  },
);
