import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/**
 * Email-marketing events. The Mailing* events describe the sending pipeline that campaigns,
 * newsletter editions and other modules' mailings (survey invitations) share: `kind` says whose
 * mailing it is, and the mailing id is the owner's id (campaign, survey wave).
 */
export const MailingStarted = defineEvent(
  'marketing',
  'MailingStarted',
  'A mailing started sending; its planner resolves the recipients page by page.',
  lazy(() => z.object({ mailingId: z.string(), kind: z.string() })),
  { columns: { kind: 'mailing_kind' } },
);

export const MailingPaused = defineEvent(
  'marketing',
  'MailingPaused',
  'A mailing stopped sending until resumed: by a member, or by itself when its bounce or complaint rate passed the limit (`automatic`).',
  lazy(() =>
    z.object({
      mailingId: z.string(),
      kind: z.string(),
      reason: z.string(),
      automatic: z.boolean(),
      pausedAt: z.string(),
    }),
  ),
  { columns: { kind: 'mailing_kind' } },
);

export const MailingResumed = defineEvent(
  'marketing',
  'MailingResumed',
  'A paused mailing sends again: recipients still waiting are queued anew.',
  lazy(() => z.object({ mailingId: z.string(), kind: z.string(), generation: z.int() })),
  { columns: { kind: 'mailing_kind' } },
);

export const MailingCompleted = defineEvent(
  'marketing',
  'MailingCompleted',
  'Every recipient of a mailing was handled (sent, failed or skipped).',
  lazy(() => z.object({ mailingId: z.string(), kind: z.string(), recipients: z.int(), sent: z.int() })),
  { columns: { kind: 'mailing_kind' } },
);

export const MailingCancelled = defineEvent(
  'marketing',
  'MailingCancelled',
  'A paused mailing was cancelled: recipients still waiting receive nothing.',
  lazy(() => z.object({ mailingId: z.string(), kind: z.string() })),
  { columns: { kind: 'mailing_kind' } },
);

export const CampaignScheduleChanged = defineEvent(
  'marketing',
  'CampaignScheduleChanged',
  "A campaign was scheduled, rescheduled or cancelled; its one-time schedule follows the campaign's state.",
  lazy(() => z.object({ campaignId: z.string() })),
);

export const NewsletterScheduleChanged = defineEvent(
  'marketing',
  'NewsletterScheduleChanged',
  "A newsletter's next edition moved (created, edited, paused, resumed, run or deleted); its one-time schedule follows.",
  lazy(() => z.object({ newsletterId: z.string(), previousEdition: z.optional(z.string()) })),
);

export const SubscriptionChanged = defineEvent(
  'marketing',
  'SubscriptionChanged',
  'A contact subscribed to or unsubscribed from a topic (`topicId`), or from all marketing email (no `topicId`).',
  lazy(() =>
    z.object({
      contactId: z.string(),
      topicId: z.optional(z.string()),
      status: z.enum(['subscribed', 'unsubscribed']),
      /** Where the choice was made, as a member wrote it: free text, so not kept as a fact. */
      source: z.string(),
      /** The mailing whose unsubscribe link or header the contact used. */
      mailingId: z.optional(z.string()),
    }),
  ),
);

export const ListDeleted = defineEvent(
  'marketing',
  'ListDeleted',
  'A mailing list was deleted; its memberships are removed in the background.',
  lazy(() => z.object({ listId: z.string() })),
);
