import {
  PLAN_QUEUE,
  SEND_QUEUE,
  SEND_WORKERS,
  SENDER_TIMEOUT_SECONDS,
  SENDER_VISIBILITY_SECONDS,
} from '../../shared/marketing/settings.ts';
import { audienceRoutes } from './marketing-audiences.ts';
import { campaignRoutes } from './marketing-campaigns.ts';
import { marketingPublicRoutes } from './marketing-public.ts';
import { defineModule } from './types.ts';

export const marketing = /* @__PURE__ */ defineModule({
  name: 'marketing',
  tags: {
    Topics: "Subscription topics (newsletter, product news, surveys) and each contact's choice.",
    Lists: 'Static mailing lists built from the address book.',
    Segments: 'Dynamic groups of contacts, defined by filters and evaluated when used.',
    Templates: 'Email designs with merge fields.',
    Campaigns: 'Emails sent once to an audience, now or at a scheduled time, with their statistics.',
    Newsletters: 'Emails sent on a schedule; each run sends an edition (a campaign).',
    Suppressions: "The tenant's suppression list: bounced, complained and manually blocked addresses.",
    Unsubscribe: 'Pages the links of marketing email open: one-click unsubscribe and preferences.',
  },
  functions: [
    {
      name: 'marketing-api',
      entry: 'functions/http/marketing.ts',
      description: 'Templates, campaigns and newsletters over HTTP.',
      permissions: ['table:tenant', 'mail:send', 'secrets:read'],
    },
    {
      name: 'audiences-api',
      entry: 'functions/http/audiences.ts',
      description: 'Subscription topics, lists, segments and suppressions over HTTP.',
      permissions: ['table:tenant'],
    },
    {
      name: 'marketing-public',
      entry: 'functions/http/marketing-public.ts',
      description: 'One-click unsubscribe and preference pages, opened through signed links.',
      permissions: ['table:tenant', 'secrets:read'],
    },
    {
      name: 'marketing-events',
      entry: 'functions/events/marketing.ts',
      description:
        'Starts mailing planners, keeps campaign and newsletter schedules, alerts admins of paused mailings, cleans up after lists and contacts.',
      permissions: ['table:write', 'schedules:manage', 'queues:send', 'mail:send'],
    },
    {
      name: 'marketing-jobs',
      entry: 'functions/jobs/marketing.ts',
      description: 'Starts scheduled campaigns and runs newsletter editions.',
      permissions: ['table:write'],
    },
    {
      name: 'mailing-planner',
      entry: 'functions/workers/mailing-planner.ts',
      description: "Resolves one page of a mailing's audience into send records and send batches.",
      permissions: ['table:write', 'queues:send'],
      timeoutSeconds: 120,
    },
    {
      name: 'mailing-sender',
      entry: 'functions/workers/mailing-sender.ts',
      description: 'Sends batches of a mailing at the paced rate, exactly once per recipient.',
      permissions: ['table:write', 'mail:send', 'secrets:read', 'queues:send'],
      timeoutSeconds: SENDER_TIMEOUT_SECONDS,
    },
    {
      name: 'mail-feedback',
      entry: 'functions/events/mail-feedback.ts',
      description: 'Records SES events: send records, counters, suppressions, automatic pauses.',
      permissions: ['table:write'],
    },
  ],
  routes: [campaignRoutes, audienceRoutes, marketingPublicRoutes],
  rules: [
    {
      name: 'marketing-events',
      description: 'Marketing work that follows committed changes: planners, schedules, alerts, clean-ups.',
      bus: 'domain',
      pattern: {
        source: ['funnel.marketing', 'funnel.contacts'],
        'detail-type': [
          'MailingStarted',
          'MailingResumed',
          'MailingPaused',
          'CampaignScheduleChanged',
          'NewsletterScheduleChanged',
          'ListDeleted',
          'ContactErased',
          'ContactsMerged',
        ],
      },
      target: 'marketing-events',
    },
    {
      name: 'mail-feedback',
      description: "SES events of the configuration set (on the account's default bus).",
      bus: 'default',
      pattern: { source: ['aws.ses'] },
      target: 'mail-feedback',
      targetKind: 'queue',
    },
  ],
  schedules: [
    {
      name: 'campaign-send',
      description: 'Starts one scheduled campaign at its time (one schedule per scheduled campaign).',
      target: 'marketing-jobs',
      kind: 'one-time',
    },
    {
      name: 'newsletter-edition',
      description: "Runs a newsletter's next edition (one schedule per newsletter).",
      target: 'marketing-jobs',
      kind: 'one-time',
    },
  ],
  queues: [
    {
      name: PLAN_QUEUE,
      description: "One message per page of a mailing's audience; each continues with the next.",
      consumer: 'mailing-planner',
      batchSize: 1,
      visibilityTimeoutSeconds: 180,
      maxReceiveCount: 5,
      maxConcurrency: 2,
    },
    {
      name: SEND_QUEUE,
      description:
        'Batches of at most 50 recipients of one mailing; the consumers pace the SES rate between them.',
      consumer: 'mailing-sender',
      batchSize: 1,
      visibilityTimeoutSeconds: SENDER_VISIBILITY_SECONDS,
      maxReceiveCount: 10,
      maxConcurrency: SEND_WORKERS,
    },
    {
      // SES sends an event per email and recipient: a send of 10,000 emails is 10,000 Delivery
      // events, recorded 25 to a transaction rather than one invocation and one write each.
      name: 'mail-feedback',
      description: 'SES events of the configuration set, handed to mail-feedback in batches.',
      consumer: 'mail-feedback',
      batchSize: 100,
      visibilityTimeoutSeconds: 360,
      maxReceiveCount: 5,
      maxConcurrency: 2,
    },
  ],
});
