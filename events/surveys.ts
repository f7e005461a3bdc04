import * as z from 'zod/mini';
import { defineEvent } from './define.ts';

/** Survey events other modules react to (automation's detractor follow-up). */
export const SurveyResponded = defineEvent(
  'surveys',
  'SurveyResponded',
  'A survey was answered; carries the scores so rules can react to unhappy answers.',
  z.object({
    surveyId: z.string(),
    responseId: z.string(),
    contactId: z.optional(z.string()),
    /** 0-10 when the survey has an NPS question. */
    nps: z.optional(z.int()),
    /** 1-5 when the survey has a CSAT question. */
    csat: z.optional(z.int()),
  }),
);
