import * as z from 'zod/mini';
import { CONSENT_STATUSES, LIFECYCLE_STAGES } from '../contacts/vocabulary.ts';
import { lazy } from '../platform/lazy.ts';
import {
  Email,
  Id,
  IsoDate,
  IsoDateTime,
  LocalDateTime,
  NonEmpty,
  named,
  StorableNumber,
  TimeZone,
} from '../platform/schema.ts';
import { Audience } from './audience-schema.ts';

// Subscription topics

const Slug = lazy(() =>
  z.string().check(
    z.trim(),
    z.toLowerCase(),
    z.regex(/^[a-z][a-z0-9-]{1,39}$/, {
      message: 'Must be 2 to 40 lower-case letters, digits or dashes, starting with a letter.',
    }),
  ),
);

export const SUBSCRIPTION_STATUSES = ['subscribed', 'unsubscribed'] as const;
export const SubscriptionStatus = lazy(() => z.enum(SUBSCRIPTION_STATUSES));
export type SubscriptionStatus = z.infer<typeof SubscriptionStatus>;

export const Topic = named(
  'Topic',
  lazy(() =>
    z.object({
      /** Chosen by the tenant (`newsletter`, `product-news`); appears in links, so it never changes. */
      id: z.string(),
      name: z.string(),
      description: z.optional(z.string()),
      /**
       * Whether a contact who granted marketing consent but never chose for this topic receives it.
       * `subscribed` suits a newsletter everyone signed up for; `unsubscribed` a topic people opt into.
       */
      defaultStatus: SubscriptionStatus,
      /** Archived topics are hidden from preference pages; campaigns can no longer use them. */
      archived: z.boolean(),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'What a marketing email is about (a newsletter, product news, surveys). Contacts subscribe per topic.',
);
export type Topic = z.infer<typeof Topic>;

export const TopicCreate = named(
  'TopicCreate',
  lazy(() =>
    z.object({
      id: Slug,
      name: NonEmpty(100),
      description: z.optional(z.string().check(z.trim(), z.maxLength(500))),
      defaultStatus: z._default(SubscriptionStatus, 'subscribed'),
    }),
  ),
);
export type TopicCreate = z.infer<typeof TopicCreate>;

export const TopicUpdate = named(
  'TopicUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(100)),
      description: z.optional(z.nullable(z.string().check(z.trim(), z.maxLength(500)))),
      defaultStatus: z.optional(SubscriptionStatus),
      archived: z.optional(z.boolean()),
    }),
  ),
);
export type TopicUpdate = z.infer<typeof TopicUpdate>;

export const Subscription = named(
  'Subscription',
  lazy(() =>
    z.object({
      topicId: z.string(),
      topicName: z.string(),
      /** What the contact chose, or the topic's default for a consenting contact who never chose. */
      status: SubscriptionStatus,
      /** Whether this contact receives the topic now (consent, choice and suppression together). */
      receives: z.boolean(),
      chosen: z.boolean(),
      source: z.optional(z.string()),
      at: z.optional(IsoDateTime),
    }),
  ),
  "A contact's status for one topic.",
);
export type Subscription = z.infer<typeof Subscription>;

export const SubscriptionChange = named(
  'SubscriptionChange',
  lazy(() =>
    z.object({
      status: SubscriptionStatus,
      /** Where the choice was made: a call, a web form, an event. */
      source: NonEmpty(100),
    }),
  ),
);

// Static lists

export const List = named(
  'List',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      description: z.optional(z.string()),
      memberCount: z.int(),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A static mailing list: contacts added and removed by hand, by import or by automation.',
);
export type List = z.infer<typeof List>;

export const ListCreate = named(
  'ListCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(200),
      description: z.optional(z.string().check(z.trim(), z.maxLength(1000))),
    }),
  ),
);
export type ListCreate = z.infer<typeof ListCreate>;

export const ListUpdate = named(
  'ListUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      description: z.optional(z.nullable(z.string().check(z.trim(), z.maxLength(1000)))),
    }),
  ),
);
export type ListUpdate = z.infer<typeof ListUpdate>;

export const MAX_MEMBERS_PER_REQUEST = 500;

export const ListMembersChange = named(
  'ListMembersChange',
  lazy(() =>
    z.object({
      contactIds: z.array(Id).check(z.minLength(1), z.maxLength(MAX_MEMBERS_PER_REQUEST)),
    }),
  ),
);

export const ListMembersResult = named(
  'ListMembersResult',
  lazy(() =>
    z.object({
      /** Contacts whose membership changed. */
      changed: z.int(),
      /** Contacts already in (when adding) or not in (when removing) the list. */
      unchanged: z.int(),
      /** Ids that are no contact of the tenant. */
      notFound: z.array(z.string()),
      memberCount: z.int(),
    }),
  ),
);
export type ListMembersResult = z.infer<typeof ListMembersResult>;

export const ListMember = named(
  'ListMember',
  lazy(() => z.object({ contactId: Id, addedAt: IsoDateTime, source: z.string() })),
);
export type ListMember = z.infer<typeof ListMember>;

export const ListImportResult = named(
  'ListImportResult',
  lazy(() =>
    z.object({
      rows: z.int(),
      added: z.int(),
      alreadyMembers: z.int(),
      /** Rows whose email is no contact of the address book (import them as contacts first). */
      unknown: z.array(z.object({ line: z.int(), email: z.string() })),
      unknownCount: z.int(),
      /** Rows without a valid email address. */
      invalid: z.array(z.object({ line: z.int(), value: z.string() })),
      memberCount: z.int(),
    }),
  ),
);
export type ListImportResult = z.infer<typeof ListImportResult>;

// Segments

const FIELD_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains', 'exists', 'not_exists'] as const;
/** Contact fields a segment may test, besides custom fields (`custom.<key>`). */
export const SEGMENT_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'createdAt',
  'updatedAt',
  'demographics.birthYear',
  'demographics.gender',
  'demographics.householdIncomeBand',
] as const;

export const SegmentCondition = named(
  'SegmentCondition',
  lazy(() =>
    z.discriminatedUnion('type', [
      z.object({
        type: z.literal('tag'),
        tag: z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50)),
        /** `false`: contacts without the tag. */
        present: z._default(z.boolean(), true),
      }),
      z.object({
        type: z.literal('lifecycle_stage'),
        stages: z.array(z.enum(LIFECYCLE_STAGES)).check(z.minLength(1), z.maxLength(4)),
      }),
      z.object({ type: z.literal('owner'), ownerId: Id }),
      z.object({ type: z.literal('company'), companyId: Id }),
      z.object({
        type: z.literal('region'),
        country: z
          .string()
          .check(z.trim(), z.toUpperCase(), z.regex(/^[A-Z]{2}$/, { message: 'Must be a country code.' })),
        region: z.optional(NonEmpty(100)),
      }),
      z.object({
        type: z.literal('consent'),
        statuses: z.array(z.enum(CONSENT_STATUSES)).check(z.minLength(1), z.maxLength(3)),
      }),
      z.object({ type: z.literal('bought'), productId: Id }),
      z.object({
        type: z.literal('cross_sell'),
        productId: Id,
        otherProductId: Id.check(
          z.meta({ description: 'The product the contact has not bought (Y): what the campaign sells.' }),
        ),
        minLift: z.number().check(
          z.gt(0),
          z.lte(1_000_000),
          z.meta({
            description:
              'The least lift of the bought-together rule X → Y in the latest basket analysis (GET /v1/products/{id}/bought-together); no such rule, no contact.',
          }),
        ),
      }),
      z.object({ type: z.literal('not_bought'), productId: Id }),
      z.object({
        type: z.literal('last_purchase'),
        /** Last purchase strictly before this date (tenant time zone). */
        before: z.optional(IsoDate),
        /** Last purchase on or after this date. */
        onOrAfter: z.optional(IsoDate),
      }),
      z.object({ type: z.literal('never_purchased') }),
      z.object({
        type: z.literal('field'),
        /** A contact field (see SEGMENT_FIELDS) or `custom.<key>` for a custom field. */
        field: z.string().check(z.minLength(1), z.maxLength(60)),
        op: z.enum(FIELD_OPS),
        value: z.optional(z.union([z.string().check(z.maxLength(200)), StorableNumber, z.boolean()])),
      }),
    ]),
  ),
  'One filter of a segment; a contact belongs to the segment when every condition holds.',
);
export type SegmentCondition = z.infer<typeof SegmentCondition>;

export const Segment = named(
  'Segment',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      description: z.optional(z.string()),
      conditions: z.array(SegmentCondition),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A dynamic group of contacts, defined by filters and evaluated whenever it is used.',
);
export type Segment = z.infer<typeof Segment>;

const Conditions = lazy(() => z.array(SegmentCondition).check(z.minLength(1), z.maxLength(20)));

export const SegmentCreate = named(
  'SegmentCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(200),
      description: z.optional(z.string().check(z.trim(), z.maxLength(1000))),
      conditions: Conditions,
    }),
  ),
);
export type SegmentCreate = z.infer<typeof SegmentCreate>;

export const SegmentUpdate = named(
  'SegmentUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      description: z.optional(z.nullable(z.string().check(z.trim(), z.maxLength(1000)))),
      conditions: z.optional(Conditions),
    }),
  ),
);
export type SegmentUpdate = z.infer<typeof SegmentUpdate>;

export const AudienceMember = named(
  'AudienceMember',
  lazy(() =>
    z.object({
      id: Id,
      firstName: z.string(),
      lastName: z.string(),
      email: z.optional(z.string()),
    }),
  ),
);
export type AudienceMember = z.infer<typeof AudienceMember>;

export const SegmentPreview = named(
  'SegmentPreview',
  lazy(() =>
    z.object({
      count: z.int(),
      /** False when the segment was too large to evaluate whole: `count` is then an estimate. */
      exact: z.boolean(),
      /** How many contacts were examined to answer. */
      examined: z.int(),
      sample: z.array(AudienceMember),
    }),
  ),
  'How many contacts are in the segment now, and a few of them.',
);
export type SegmentPreview = z.infer<typeof SegmentPreview>;

// Audience (campaigns, newsletters, and any mailing of another module): in a file of its own, so
// modules that mail an audience (surveys) do not load every marketing schema.
export { Audience };

export const SenderInput = named(
  'SenderInput',
  lazy(() => z.object({ name: NonEmpty(100), email: Email, replyTo: z.optional(Email) })),
  "Who a marketing email comes from; defaults to the tenant's sender. In AWS it must be a verified SES identity.",
);
export type SenderInput = z.infer<typeof SenderInput>;

// Templates

export const Template = named(
  'Template',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      subject: z.string(),
      html: z.string(),
      text: z.string(),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'An email design with merge fields such as {{firstName | "there"}}; every mail also gets the compliance footer.',
);
export type Template = z.infer<typeof Template>;

const templateFields = {
  name: NonEmpty(200),
  subject: NonEmpty(300),
  html: lazy(() => z.string().check(z.minLength(1), z.maxLength(100_000))),
  text: lazy(() => z.string().check(z.minLength(1), z.maxLength(50_000))),
};

export const TemplateCreate = named(
  'TemplateCreate',
  lazy(() => z.object(templateFields)),
);
export type TemplateCreate = z.infer<typeof TemplateCreate>;

export const TemplateUpdate = named(
  'TemplateUpdate',
  lazy(() => z.partial(z.object(templateFields))),
);
export type TemplateUpdate = z.infer<typeof TemplateUpdate>;

export const TemplatePreviewRequest = named(
  'TemplatePreviewRequest',
  lazy(() =>
    z.object({
      /** The contact whose data fills the merge fields. */
      contactId: Id,
    }),
  ),
);

export const RenderedEmail = named(
  'RenderedEmail',
  lazy(() =>
    z.object({
      subject: z.string(),
      html: z.string(),
      text: z.string(),
      headers: z.record(z.string(), z.string()),
    }),
  ),
  'An email as one recipient receives it, footer and unsubscribe headers included.',
);
export type RenderedEmail = z.infer<typeof RenderedEmail>;

// Campaigns

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export const CampaignStatus = named(
  'CampaignStatus',
  lazy(() => z.enum(CAMPAIGN_STATUSES)),
);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const Campaign = named(
  'Campaign',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      status: CampaignStatus,
      audience: Audience,
      topicId: z.string(),
      templateId: Id,
      sender: z.optional(SenderInput),
      /** Emails per second for this campaign, at most the SES account's maximum (which applies when absent). */
      maxSendRate: z.optional(z.number()),
      /** The local date-time it is scheduled for, in `timeZone`. */
      sendAt: z.optional(z.string()),
      timeZone: z.optional(z.string()),
      scheduledFor: z.optional(IsoDateTime),
      /** Set on the editions of a recurring newsletter. */
      newsletterId: z.optional(Id),
      edition: z.optional(z.string()),
      startedAt: z.optional(IsoDateTime),
      completedAt: z.optional(IsoDateTime),
      pausedReason: z.optional(z.string()),
      cancelledAt: z.optional(IsoDateTime),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'An email sent once to an audience: draft → scheduled → sending → sent, or cancelled, or paused.',
);
export type Campaign = z.infer<typeof Campaign>;

const SendRate = lazy(() => z.number().check(z.positive(), z.maximum(10_000)));

export const CampaignCreate = named(
  'CampaignCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(200),
      audience: Audience,
      topicId: Slug,
      templateId: Id,
      sender: z.optional(SenderInput),
      maxSendRate: z.optional(SendRate),
    }),
  ),
);
export type CampaignCreate = z.infer<typeof CampaignCreate>;

export const CampaignUpdate = named(
  'CampaignUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      audience: z.optional(Audience),
      topicId: z.optional(Slug),
      templateId: z.optional(Id),
      sender: z.optional(z.nullable(SenderInput)),
      maxSendRate: z.optional(z.nullable(SendRate)),
    }),
  ),
);
export type CampaignUpdate = z.infer<typeof CampaignUpdate>;

/** A wall-clock time to the minute: `2026-01-05T09:00`. */
export const CampaignSchedule = named(
  'CampaignSchedule',
  lazy(() =>
    z.object({
      sendAt: LocalDateTime,
      /** Defaults to the tenant's time zone. */
      timeZone: z.optional(TimeZone),
    }),
  ),
);
export type CampaignSchedule = z.infer<typeof CampaignSchedule>;

export const TestSend = named(
  'TestSend',
  lazy(() =>
    z.object({
      /** The member who receives the test (the caller by default). */
      memberId: z.optional(Id),
      /** Whose data fills the merge fields; sample values without it. */
      contactId: z.optional(Id),
    }),
  ),
);
export type TestSend = z.infer<typeof TestSend>;

export const TestSendResult = named(
  'TestSendResult',
  lazy(() => z.object({ to: z.string(), messageId: z.string() })),
);

// Sending statistics

export const MailingCounts = named(
  'MailingCounts',
  lazy(() =>
    z.object({
      /** Recipients resolved for the mailing (after consent, topic and suppression checks). */
      recipients: z.int(),
      /** Waiting for their turn. */
      queued: z.int(),
      /** Accepted by SES. */
      sent: z.int(),
      delivered: z.int(),
      /** Permanent bounces (the address is suppressed). */
      bounced: z.int(),
      /** Transient bounces (mailbox full, out of office with a bounce...). */
      softBounced: z.int(),
      complained: z.int(),
      /** Unique recipients who opened / clicked (when open and click tracking is on in SES). */
      opened: z.int(),
      clicked: z.int(),
      /** Refused by SES or interrupted before SES answered. */
      failed: z.int(),
      rejected: z.int(),
      /** Not sent because the contact became ineligible between planning and sending. */
      skipped: z.int(),
      unsubscribed: z.int(),
    }),
  ),
);
export type MailingCounts = z.infer<typeof MailingCounts>;

export const MailingStats = named(
  'MailingStats',
  lazy(() =>
    z.object({
      mailingId: z.string(),
      status: z.string(),
      counts: MailingCounts,
      /** Fractions between 0 and 1 (4 decimals): bounces, complaints and deliveries per email sent, opens, clicks and unsubscribes per email delivered. */
      rates: z.object({
        delivery: z.number(),
        bounce: z.number(),
        complaint: z.number(),
        open: z.number(),
        click: z.number(),
        unsubscribe: z.number(),
      }),
      startedAt: z.optional(IsoDateTime),
      completedAt: z.optional(IsoDateTime),
    }),
  ),
  'Counts and rates of a mailing (a campaign or a newsletter edition).',
);
export type MailingStats = z.infer<typeof MailingStats>;

export const SendRecord = named(
  'SendRecord',
  lazy(() =>
    z.object({
      contactId: z.string(),
      /** The most telling of what happened: queued, sending, sent, delivered, opened, clicked, soft_bounced, bounced, complained, rejected, failed, skipped. */
      state: z.string(),
      messageId: z.optional(z.string()),
      reason: z.optional(z.string()),
      queuedAt: IsoDateTime,
      sentAt: z.optional(IsoDateTime),
      deliveredAt: z.optional(IsoDateTime),
      softBouncedAt: z.optional(IsoDateTime),
      bouncedAt: z.optional(IsoDateTime),
      complainedAt: z.optional(IsoDateTime),
      rejectedAt: z.optional(IsoDateTime),
      openedAt: z.optional(IsoDateTime),
      clickedAt: z.optional(IsoDateTime),
      unsubscribedAt: z.optional(IsoDateTime),
      failedAt: z.optional(IsoDateTime),
      skippedAt: z.optional(IsoDateTime),
    }),
  ),
  "What happened to one recipient's email of a campaign, with the SES message id.",
);
export type SendRecord = z.infer<typeof SendRecord>;

// Recurring newsletters

export const NewsletterSchedule = named(
  'NewsletterSchedule',
  lazy(() =>
    z.object({
      /** An RFC 5545 RRULE, at most daily: `FREQ=WEEKLY;BYDAY=MO`. */
      rrule: z.string().check(z.trim(), z.minLength(1), z.maxLength(300)),
      /** The first edition, a local date-time; later ones keep its time of day. */
      startsAt: LocalDateTime,
      /** Defaults to the tenant's time zone. */
      timeZone: z.optional(TimeZone),
    }),
  ),
  'When editions go out: every Monday at 09:00 Europe/Paris is `{ rrule: "FREQ=WEEKLY;BYDAY=MO", startsAt: "2026-03-02T09:00", timeZone: "Europe/Paris" }`.',
);
export type NewsletterSchedule = z.infer<typeof NewsletterSchedule>;

export const Newsletter = named(
  'Newsletter',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      status: z.enum(['active', 'paused']),
      schedule: z.object({ rrule: z.string(), startsAt: z.string(), timeZone: z.string() }),
      audience: Audience,
      topicId: z.string(),
      templateId: Id,
      sender: z.optional(SenderInput),
      maxSendRate: z.optional(z.number()),
      /** The next edition (local date-time in the schedule's zone); absent when paused or ended. */
      nextEdition: z.optional(z.string()),
      nextEditionAt: z.optional(IsoDateTime),
      lastEdition: z.optional(z.string()),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A newsletter sent on a schedule: each run sends an edition (a campaign with its own statistics).',
);
export type Newsletter = z.infer<typeof Newsletter>;

const newsletterFields = {
  name: NonEmpty(200),
  schedule: NewsletterSchedule,
  audience: Audience,
  topicId: Slug,
  templateId: Id,
  sender: lazy(() => z.optional(SenderInput)),
  maxSendRate: lazy(() => z.optional(SendRate)),
};

export const NewsletterCreate = named(
  'NewsletterCreate',
  lazy(() => z.object(newsletterFields)),
);
export type NewsletterCreate = z.infer<typeof NewsletterCreate>;

export const NewsletterUpdate = named(
  'NewsletterUpdate',
  lazy(() =>
    z.object({
      name: z.optional(newsletterFields.name),
      schedule: z.optional(newsletterFields.schedule),
      audience: z.optional(newsletterFields.audience),
      topicId: z.optional(newsletterFields.topicId),
      templateId: z.optional(newsletterFields.templateId),
      sender: z.optional(z.nullable(SenderInput)),
      maxSendRate: z.optional(z.nullable(SendRate)),
      status: z.optional(z.enum(['active', 'paused'])),
    }),
  ),
);
export type NewsletterUpdate = z.infer<typeof NewsletterUpdate>;

export const NEWSLETTER_RUN_OUTCOMES = ['sent', 'no_content', 'no_audience'] as const;

export const NewsletterRun = named(
  'NewsletterRun',
  lazy(() =>
    z.object({
      /** The scheduled local date-time of this run. */
      occurrence: z.string(),
      outcome: z.enum(NEWSLETTER_RUN_OUTCOMES),
      /** The edition (a campaign) when one was sent. */
      campaignId: z.optional(Id),
      reason: z.optional(z.string()),
      ranAt: IsoDateTime,
    }),
  ),
  'One scheduled run of a newsletter: the edition it sent, or why it sent none.',
);
export type NewsletterRun = z.infer<typeof NewsletterRun>;

// Suppressions (the tenant's own list, kept by the mail platform)

export const SuppressionView = named(
  'Suppression',
  lazy(() =>
    z.object({
      email: z.string(),
      reason: z.enum(['hard_bounce', 'complaint', 'soft_bounces', 'manual', 'unsubscribed_all']),
      suppressedAt: IsoDateTime,
      detail: z.optional(z.string()),
    }),
  ),
  'An address no mail goes to (transactional mail only with a recorded reason).',
);

export const SuppressionCreate = named(
  'SuppressionCreate',
  lazy(() => z.object({ email: Email, detail: z.optional(z.string().check(z.trim(), z.maxLength(500))) })),
);
