import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/**
 * Survey events other modules react to (automation's detractor follow-up). Contract: the fields
 * of SurveyResponded only grow, and each keeps its meaning.
 */
export const SurveyResponded = defineEvent(
  'surveys',
  'SurveyResponded',
  'A survey was answered; carries the scores so rules can react to unhappy answers.',
  lazy(() =>
    z.object({
      surveyId: z.string(),
      responseId: z.string(),
      contactId: z.optional(z.string()),
      /** 0-10 when the survey has an NPS question. */
      nps: z.optional(z.int()),
      /** 1-5 when the survey has a CSAT question. */
      csat: z.optional(z.int()),
      waveId: z.optional(z.string()),
      /** The revision of the survey the answers were given to. */
      revision: z.optional(z.int()),
      channel: z.optional(z.enum(['web', 'paper'])),
      /** True for a detractor (NPS 0-6) or a low CSAT (1-2): one condition for both in a rule. */
      needsFollowUp: z.optional(z.boolean()),
      /** The first written comment, at most 500 characters, for tasks to quote. */
      comment: z.optional(z.string()),
    }),
  ),
  { columns: { nps: 'score' }, enrich: ['customer'] },
);

/** Internal: the survey's pending wave changed, so its one-time schedule must follow. */
export const SurveyScheduleSaved = defineEvent(
  'surveys',
  'SurveyScheduleSaved',
  "A survey's next wave was set, moved or dropped.",
  lazy(() =>
    z.object({
      surveyId: z.string(),
      timeZone: z.string(),
      /** Local date-time of the pending wave, if any. */
      nextWaveAt: z.optional(z.string()),
      previousWaveAt: z.optional(z.string()),
    }),
  ),
);

/** A wave of invitations started: by email through the sending pipeline, or printed on paper. */
export const SurveyWaveStarted = defineEvent(
  'surveys',
  'SurveyWaveStarted',
  'A wave of survey invitations started.',
  lazy(() =>
    z.object({
      surveyId: z.string(),
      waveId: z.string(),
      revision: z.int(),
      channel: z.enum(['email', 'paper']),
    }),
  ),
);
