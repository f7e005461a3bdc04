import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

export const ContactCreated = defineEvent(
  'contacts',
  'ContactCreated',
  'A contact was added to the address book.',
  lazy(() =>
    z.object({
      contactId: z.string(),
      ownerId: z.optional(z.string()),
      lifecycleStage: z.string(),
      email: z.optional(z.string()),
    }),
  ),
  { enrich: ['customer', 'profile', 'owner'] },
);

export const ContactUpdated = defineEvent(
  'contacts',
  'ContactUpdated',
  'A contact changed; `fields` names the fields that changed.',
  lazy(() =>
    z.object({
      contactId: z.string(),
      fields: z.array(z.string()),
      ownerId: z.optional(z.string()),
      lifecycleStage: z.string(),
    }),
  ),
  { enrich: ['customer', 'profile', 'owner'] },
);

export const CompanyCreated = defineEvent(
  'contacts',
  'CompanyCreated',
  'A company was added to the address book.',
  lazy(() => z.object({ companyId: z.string(), ownerId: z.optional(z.string()) })),
  { enrich: ['customer', 'owner'] },
);

export const CompanyUpdated = defineEvent(
  'contacts',
  'CompanyUpdated',
  'A company changed; `fields` names the fields that changed.',
  lazy(() =>
    z.object({ companyId: z.string(), fields: z.array(z.string()), ownerId: z.optional(z.string()) }),
  ),
  { enrich: ['customer', 'owner'] },
);

export const ActivityLogged = defineEvent(
  'contacts',
  'ActivityLogged',
  'A call, meeting, note or email was logged or scheduled about contacts and/or a company.',
  lazy(() =>
    z.object({
      activityId: z.string(),
      activityType: z.string(),
      contactIds: z.array(z.string()),
      companyId: z.optional(z.string()),
      ownerId: z.optional(z.string()),
      at: z.string(),
      /** Calls: connected, no_answer, voicemail, busy, wrong_number or scheduled. */
      outcome: z.optional(z.string()),
    }),
  ),
  { columns: { contactIds: 'contact_id' }, occurredAt: 'at', enrich: ['owner', 'customer'] },
);

export const ContactMergeRequested = defineEvent(
  'contacts',
  'ContactMergeRequested',
  'A member asked to merge `duplicateId` into `contactId`; the contacts worker moves its records.',
  lazy(() => z.object({ contactId: z.string(), duplicateId: z.string() })),
);

export const ContactsMerged = defineEvent(
  'contacts',
  'ContactsMerged',
  'The duplicate `mergedContactId` was merged into `contactId` and no longer exists. Modules that keep items about contacts move theirs to `contactId` (see docs/contacts.md).',
  lazy(() => z.object({ contactId: z.string(), mergedContactId: z.string() })),
);

export const ContactErased = defineEvent(
  'contacts',
  'ContactErased',
  'A contact was erased (right to erasure). Every module removes the personal data it holds about `contactId` and anonymizes records it must keep, such as invoices (see docs/contacts.md).',
  lazy(() => z.object({ contactId: z.string() })),
  // The warehouse anonymizes the contact's facts instead of recording who was erased.
  { omit: ['contactId'] },
);

export const ImportQueued = defineEvent(
  'contacts',
  'ImportQueued',
  'Every part of a CSV import arrived; the contacts worker queues its chunks for processing.',
  lazy(() => z.object({ importId: z.string(), chunks: z.int() })),
);

export const ImportCompleted = defineEvent(
  'contacts',
  'ImportCompleted',
  'A CSV import finished; counts say what it did (or, in a dry run, would do).',
  lazy(() =>
    z.object({
      importId: z.string(),
      dryRun: z.boolean(),
      created: z.int(),
      updated: z.int(),
      unchanged: z.int(),
      failed: z.int(),
    }),
  ),
);

export const ContactRfmSegmentChanged = defineEvent(
  'contacts',
  'ContactRfmSegmentChanged',
  'A recomputation of RFM scores moved the contact into another RFM segment (or gave it its first); `segment` is the new one, `previousSegment` the one it left. Automation rules can react when a contact enters a segment such as `at_risk` (see docs/analytics.md).',
  lazy(() =>
    z.object({
      contactId: z.string(),
      segment: z.string(),
      previousSegment: z.optional(z.string()),
      /** Quintile scores within the tenant, 1 (lowest) to 5. */
      recency: z.int(),
      frequency: z.int(),
      monetary: z.int(),
    }),
  ),
  { columns: { segment: 'status', previousSegment: 'from_status' } },
);

export const ContactChurnRiskRaised = defineEvent(
  'contacts',
  'ContactChurnRiskRaised',
  'A churn model (docs/analytics.md, "Churn risk") scored the contact at or above its alert threshold, from below it or from no score: a customer likely to make no purchase within the model\'s horizon. Automation rules can react before the inactivity trigger would (e.g. a call task for the owner).',
  lazy(() =>
    z.object({
      contactId: z.string(),
      /** The churn model's key (its scores are `propensity.<model>`). */
      model: z.string(),
      /** The probability, 0 to 1, of no purchase within the model's horizon. */
      score: z.number(),
      threshold: z.number(),
      previousScore: z.optional(z.number()),
    }),
  ),
  // A probability is not the `score` column (an NPS answer, a whole number 0–10); none holds it.
  { omit: ['score'] },
);
