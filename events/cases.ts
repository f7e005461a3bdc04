import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/**
 * Contact-centre events (docs/contact-centre.md). Contract: fields only grow and keep their
 * meaning; no event carries a message's text or a customer's address (they stay in the table).
 */
const channel = lazy(() => z.enum(['email', 'web', 'phone', 'api']));

export const CaseOpened = defineEvent(
  'cases',
  'CaseOpened',
  'A case was opened, from an email, the contact form, a call or the API.',
  lazy(() =>
    z.object({
      caseId: z.string(),
      number: z.int(),
      channel,
      priority: z.string(),
      contactId: z.optional(z.string()),
      teamId: z.optional(z.string()),
      /** Whether the customer gets an acknowledgement with the case reference. */
      acknowledge: z.boolean(),
    }),
  ),
  { enrich: ['customer'] },
);

export const CaseMessageReceived = defineEvent(
  'cases',
  'CaseMessageReceived',
  "A customer's message landed on a case (the first one opens it, later ones answer it).",
  lazy(() =>
    z.object({
      caseId: z.string(),
      messageId: z.string(),
      channel,
      contactId: z.optional(z.string()),
      /** The case was solved and the customer's message reopened it. */
      reopened: z.boolean(),
    }),
  ),
);

/** An agent's public reply, to be mailed once (or an internal note, mailed to nobody). */
export const CaseReplyPosted = defineEvent(
  'cases',
  'CaseReplyPosted',
  'An agent replied on a case (public reply) or wrote an internal note.',
  lazy(() =>
    z.object({
      caseId: z.string(),
      messageId: z.string(),
      visibility: z.enum(['public', 'internal']),
      authorId: z.optional(z.string()),
    }),
  ),
);

export const CaseStatusChanged = defineEvent(
  'cases',
  'CaseStatusChanged',
  "A case's status changed: solved cases get a satisfaction survey, closed ones take no reply.",
  lazy(() =>
    z.object({
      caseId: z.string(),
      from: z.string(),
      to: z.string(),
      contactId: z.optional(z.string()),
      assigneeId: z.optional(z.string()),
    }),
  ),
);

/** Which clock: the first reply, the next reply to a later message, or the solution. */
const slaMetric = lazy(() => z.enum(['first_response', 'next_response', 'resolution']));

/**
 * SLA facts in the warehouse: the clock as `category`, the case's priority as `level`, the
 * assignee as `owner_id` (with their team); the SLA report counts met and breached targets.
 */
const slaFacts = {
  columns: { metric: 'category', priority: 'level', assigneeId: 'owner_id' },
  enrich: ['owner'],
} as const;
/** A met or breached target is dated by when it was decided: the reply, or the target's instant. */

/** A case's SLA target is near: most of its business time is used. For automation rules. */
export const CaseSlaWarning = defineEvent(
  'cases',
  'CaseSlaWarning',
  "A case's SLA target is near (80% of its business time is used).",
  lazy(() =>
    z.object({
      caseId: z.string(),
      metric: slaMetric,
      priority: z.string(),
      dueAt: z.string(),
      assigneeId: z.optional(z.string()),
    }),
  ),
  slaFacts,
);

/** A case missed its SLA target: its priority was raised and its people told. */
export const CaseSlaBreached = defineEvent(
  'cases',
  'CaseSlaBreached',
  'A case missed its SLA target; its priority was raised.',
  lazy(() =>
    z.object({
      caseId: z.string(),
      metric: slaMetric,
      /** The priority before this breach raised it. */
      priority: z.string(),
      raisedTo: z.string(),
      dueAt: z.string(),
      assigneeId: z.optional(z.string()),
    }),
  ),
  { ...slaFacts, occurredAt: 'dueAt' },
);

/**
 * A case reached an SLA target in time: a reply before the first- or next-response target, or the
 * first solution before the resolution target (a reopened case solved again does not count twice).
 */
export const CaseSlaMet = defineEvent(
  'cases',
  'CaseSlaMet',
  'A case reached an SLA target in time.',
  lazy(() =>
    z.object({
      caseId: z.string(),
      metric: slaMetric,
      priority: z.string(),
      dueAt: z.string(),
      metAt: z.string(),
      assigneeId: z.optional(z.string()),
    }),
  ),
  { ...slaFacts, occurredAt: 'metAt' },
);

/** A call with the customer was logged on a case (by an agent or a telephony integration). */
export const CaseCallLogged = defineEvent(
  'cases',
  'CaseCallLogged',
  'A phone call with the customer was logged on a case.',
  lazy(() =>
    z.object({
      caseId: z.string(),
      messageId: z.string(),
      direction: z.enum(['inbound', 'outbound']),
      durationSeconds: z.int(),
      contactId: z.optional(z.string()),
    }),
  ),
);
