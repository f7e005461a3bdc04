import { ContactErased, ContactsMerged } from '../../events/contacts.ts';
import {
  CampaignScheduleChanged,
  ListDeleted,
  MailingPaused,
  MailingResumed,
  MailingStarted,
  NewsletterScheduleChanged,
} from '../../events/marketing.ts';
import {
  alertAdmins,
  forgetContact,
  moveContact,
  startPlanner,
  syncCampaignSchedule,
  syncNewsletterSchedule,
} from '../../shared/marketing/housekeeping.ts';
import { sweepDeletedList } from '../../shared/marketing/lists.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

export const handler = eventHandler(
  'marketing-events',
  [
    MailingStarted,
    MailingResumed,
    MailingPaused,
    CampaignScheduleChanged,
    NewsletterScheduleChanged,
    ListDeleted,
    ContactErased,
    ContactsMerged,
  ],
  async (event, ctx) => {
    switch (event.type) {
      case 'MailingStarted':
        return startPlanner(ctx, event.detail.mailingId);
      case 'MailingResumed':
        return startPlanner(ctx, event.detail.mailingId, event.detail.generation);
      case 'MailingPaused':
        if (event.detail.automatic) await alertAdmins(ctx, event.detail);
        return;
      case 'CampaignScheduleChanged':
        return syncCampaignSchedule(ctx, event.detail.campaignId);
      case 'NewsletterScheduleChanged':
        return syncNewsletterSchedule(ctx, event.detail.newsletterId, event.detail.previousEdition);
      case 'ListDeleted':
        await sweepDeletedList(ctx, event.detail.listId);
        return;
      case 'ContactErased':
        return forgetContact(ctx, event.detail.contactId);
      case 'ContactsMerged':
        return moveContact(ctx, event.detail.contactId, event.detail.mergedContactId);
    }
  },
);
