import type { Content } from './content.ts';
import type { Audience } from './schema.ts';

/**
 * A mailing: one email design sent once to an audience, by the sending pipeline. Campaigns and
 * newsletter editions are mailings of kind `campaign`; other modules add kinds (survey waves).
 */
export type MailingStatus = 'sending' | 'paused' | 'sent' | 'cancelled';

export interface MailingSender {
  name: string;
  email: string;
  replyTo?: string;
}

export interface MailingSpec {
  /** The owner's id (campaign, survey wave): one mailing per owner, and the id of its sends. */
  id: string;
  /** Registered in shared/marketing/mailing-kinds.ts. */
  kind: string;
  audience: Audience;
  /**
   * `marketing` (the default): only contacts with consent for `topicId` receive it, and it carries
   * the unsubscribe headers and footer. `transactional`: consent and topics do not apply (mail a
   * person expects because of something they did); suppressed addresses still receive nothing.
   */
  category?: 'marketing' | 'transactional';
  /** The subscription topic (required for marketing mailings). */
  topicId?: string;
  sender: MailingSender;
  /** Subject, HTML and text with merge fields (the kind's own fields included). */
  content: Content;
  /** Emails per second for this mailing, at most the SES account's maximum. */
  maxSendRate?: number;
  /** Anything the kind's hooks need about the owner (small strings). */
  ref?: Record<string, string>;
}

/**
 * Where a page of an audience starts (shared/marketing/audience.ts reads it). Here, not there, so
 * that starting a mailing does not load the audience's reading and segment code.
 */
export interface AudiencePosition {
  source: number;
  part: number;
  cursor?: string;
}

export const START: AudiencePosition = { source: 0, part: 0 };

export interface MailingPlan {
  /** Pages announced: the next page to announce has this number. */
  step: number;
  /** Where that page starts (absent once complete). */
  position?: AudiencePosition;
  /** The last page was announced. */
  complete: boolean;
}

export interface Mailing
  extends Required<Pick<MailingSpec, 'id' | 'kind' | 'audience' | 'sender' | 'content'>> {
  category: 'marketing' | 'transactional';
  topicId?: string;
  maxSendRate?: number;
  ref?: Record<string, string>;
  status: MailingStatus;
  /** Moves on each resume: planner and requeue messages of an older generation stop. */
  generation: number;
  plan: MailingPlan;
  /** Numbers of the pages whose records and batches are written. */
  pagesDone?: Set<string>;
  startedAt: string;
  completedAt?: string;
  pausedAt?: string;
  pauseReason?: string;
  /** Counts when it was last resumed: the bounce and complaint limits apply to what came after. */
  limitsFrom?: { sent: number; bounced: number; complained: number };
  cancelledAt?: string;
  version: number;
}

/** Counters of a mailing, summed over its counter items. */
export const COUNT_NAMES = [
  'recipients',
  'sent',
  'delivered',
  'bounced',
  'softBounced',
  'complained',
  'opened',
  'clicked',
  'failed',
  'rejected',
  'skipped',
  'unsubscribed',
] as const;
export type CountName = (typeof COUNT_NAMES)[number];
export type Counts = Record<CountName, number>;
