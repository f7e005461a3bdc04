import * as z from 'zod/mini';
import { Audience } from '../marketing/audience-schema.ts';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, LocalDateTime, NonEmpty, named } from '../platform/schema.ts';

export const QUESTION_TYPES = ['nps', 'csat', 'rating', 'single_choice', 'multiple_choice', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** Short, stable keys: they name form fields and CSV columns, and survive new revisions. */
const Key = lazy(() =>
  z.string().check(
    z.regex(/^[a-z][a-z0-9_]{0,39}$/, {
      message: 'Must be 1 to 40 of a-z, 0-9 and _, starting with a letter.',
    }),
  ),
);

export const TEXT_ANSWER_MAX = 5000;

export const Choice = named(
  'SurveyChoice',
  lazy(() => z.object({ id: Key, label: NonEmpty(200) })),
  'One option of a choice question.',
);
export type Choice = z.infer<typeof Choice>;

export const ChoiceInput = lazy(() => z.object({ id: z.optional(Key), label: NonEmpty(200) }));

export const QuestionInput = named(
  'SurveyQuestionInput',
  lazy(() =>
    z.object({
      /** Defaults to `q1`, `q2`... by position. Keep it across revisions to compare answers over time. */
      id: z.optional(Key),
      type: z.enum(QUESTION_TYPES),
      text: NonEmpty(500),
      help: z.optional(NonEmpty(500)),
      required: z._default(z.boolean(), true),
      /** single_choice and multiple_choice only: 2 to 20 options. */
      choices: z.optional(z.array(ChoiceInput).check(z.minLength(2), z.maxLength(20))),
      /** text only: the longest answer accepted (1000 characters by default). */
      maxLength: z.optional(z.int().check(z.minimum(1), z.maximum(TEXT_ANSWER_MAX))),
    }),
  ),
);
export type QuestionInput = z.infer<typeof QuestionInput>;

export const Question = named(
  'SurveyQuestion',
  lazy(() =>
    z.object({
      id: z.string(),
      type: z.enum(QUESTION_TYPES),
      text: z.string(),
      help: z.optional(z.string()),
      required: z.boolean(),
      choices: z.optional(z.array(Choice)),
      maxLength: z.optional(z.int()),
    }),
  ),
);
export type Question = z.infer<typeof Question>;

export const SURVEY_STATUSES = ['draft', 'active', 'closed'] as const;
export const SurveyStatus = named(
  'SurveyStatus',
  lazy(() => z.enum(SURVEY_STATUSES)),
);
export type SurveyStatus = z.infer<typeof SurveyStatus>;

export const SurveySchedule = named(
  'SurveySchedule',
  lazy(() =>
    z.object({
      /** The first (or only) wave, wall-clock time in the tenant's time zone. */
      startsAt: LocalDateTime,
      /** Recurring waves (RFC 5545 RRULE counted from startsAt), e.g. `FREQ=MONTHLY;INTERVAL=3` for quarterly. */
      rrule: z.optional(z.string().check(z.minLength(6), z.maxLength(500))),
    }),
  ),
  'When invitations are mailed: once at startsAt, or at each occurrence of rrule from startsAt.',
);
export type SurveySchedule = z.infer<typeof SurveySchedule>;

export const SurveySampling = named(
  'SurveySampling',
  lazy(() =>
    z.object({
      /** Skip a contact invited to any survey within this many days. */
      skipIfSurveyedWithinDays: z.optional(z.int().check(z.minimum(1), z.maximum(730))),
      /** Only customers whose first purchase (or, without one, whose record) is at least this many days old. */
      customersForAtLeastDays: z.optional(z.int().check(z.minimum(1), z.maximum(3650))),
    }),
  ),
  'Who of the audience is invited.',
);
export type SurveySampling = z.infer<typeof SurveySampling>;

/** A subscription topic of the email-marketing module (its id, e.g. `satisfaction`). */
const TopicId = lazy(() => z.string().check(z.trim(), z.toLowerCase(), z.minLength(2), z.maxLength(40)));

const content = {
  title: NonEmpty(200),
  intro: lazy(() => z.optional(NonEmpty(2000))),
  questions: lazy(() => z.array(QuestionInput).check(z.minLength(1), z.maxLength(30))),
};

const distribution = {
  /** The email-marketing audience: lists and segments (with exclusions) invited by email. */
  audience: Audience,
  /** The subscription topic invitations belong to: only contacts with consent for it are invited. */
  topicId: TopicId,
  sampling: SurveySampling,
  /** How long an invitation's link works. */
  linkValidDays: lazy(() => z.int().check(z.minimum(1), z.maximum(365))),
  schedule: SurveySchedule,
};

export const SurveyCreate = named(
  'SurveyCreate',
  lazy(() =>
    z.object({
      ...content,
      audience: z.optional(distribution.audience),
      topicId: z.optional(distribution.topicId),
      sampling: z._default(distribution.sampling, {}),
      linkValidDays: z._default(distribution.linkValidDays, 30),
      schedule: z.optional(distribution.schedule),
    }),
  ),
);
export type SurveyCreate = z.infer<typeof SurveyCreate>;

export const SurveyUpdate = named(
  'SurveyUpdate',
  lazy(() =>
    z.object({
      title: z.optional(content.title),
      intro: z.optional(z.nullable(content.intro)),
      questions: z.optional(content.questions),
      audience: z.optional(z.nullable(distribution.audience)),
      topicId: z.optional(z.nullable(distribution.topicId)),
      sampling: z.optional(distribution.sampling),
      linkValidDays: z.optional(distribution.linkValidDays),
      schedule: z.optional(z.nullable(distribution.schedule)),
      /** `active` starts the schedule (and accepts answers); `closed` stops waves and answers. */
      status: z.optional(SurveyStatus),
    }),
  ),
);
export type SurveyUpdate = z.infer<typeof SurveyUpdate>;

export const Survey = named(
  'Survey',
  lazy(() =>
    z.object({
      id: Id,
      title: z.string(),
      intro: z.optional(z.string()),
      questions: z.array(Question),
      status: SurveyStatus,
      /** The content revision: a new one starts when sent content is edited. Answers keep theirs. */
      revision: z.int(),
      /** Whether this revision has been sent (its content is then kept as it was). */
      revisionSent: z.boolean(),
      audience: z.optional(Audience),
      topicId: z.optional(z.string()),
      sampling: SurveySampling,
      linkValidDays: z.int(),
      schedule: z.optional(SurveySchedule),
      /** The pending wave, local time in the tenant's zone. */
      nextWaveAt: z.optional(z.string()),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A customer satisfaction survey: its questions, who receives it, and when.',
);
export type Survey = z.infer<typeof Survey>;

export const SurveyRevision = named(
  'SurveyRevision',
  lazy(() =>
    z.object({
      surveyId: Id,
      revision: z.int(),
      title: z.string(),
      intro: z.optional(z.string()),
      questions: z.array(Question),
      createdAt: IsoDateTime,
      sentAt: z.optional(IsoDateTime),
    }),
  ),
  'The content of a survey as one wave (or more) sent it.',
);
export type SurveyRevision = z.infer<typeof SurveyRevision>;

export const WAVE_CHANNELS = ['email', 'paper'] as const;
export const Wave = named(
  'SurveyWave',
  lazy(() =>
    z.object({
      id: Id,
      surveyId: Id,
      revision: z.int(),
      channel: z.enum(WAVE_CHANNELS),
      /** The scheduled occurrence (local time) the wave was sent for; paper waves have none. */
      occurrence: z.optional(z.string()),
      startedAt: IsoDateTime,
      /** Calendar quarter of startedAt in the tenant's zone, e.g. `2026-Q2`: the unit of trends. */
      quarter: z.string(),
      linkExpiresAt: IsoDateTime,
      /** The email-marketing mailing that delivers the invitations (email waves). */
      mailingId: z.optional(z.string()),
      /** Paper waves: the invitations printed in this batch. */
      invitationIds: z.optional(z.array(Id)),
      /** Invitations that reached their recipient: letters printed, or emails sent once the mailing completed. */
      invited: z.optional(z.int()),
      /** Email waves: the sampling rules in force when the wave started. */
      sampling: z.optional(SurveySampling),
      /** Email waves: the mailing's status in the sending pipeline (sending, paused, sent, cancelled). */
      mailingStatus: z.optional(z.enum(['sending', 'paused', 'sent', 'cancelled'])),
      completedAt: z.optional(IsoDateTime),
    }),
  ),
  'One sending of a survey: a scheduled email wave or a batch of paper letters.',
);
export type Wave = z.infer<typeof Wave>;

export const Invitation = named(
  'SurveyInvitation',
  lazy(() =>
    z.object({
      id: Id,
      surveyId: Id,
      waveId: Id,
      revision: z.int(),
      contactId: Id,
      channel: z.enum(WAVE_CHANNELS),
      /** Paper letters only: the code staff type with the answers received by post. */
      code: z.optional(z.string()),
      createdAt: IsoDateTime,
      expiresAt: IsoDateTime,
      responseId: z.optional(Id),
      respondedAt: z.optional(IsoDateTime),
    }),
  ),
);
export type Invitation = z.infer<typeof Invitation>;

export const AnswerValue = lazy(() => z.union([z.int(), z.string(), z.array(z.string())]));
export type AnswerValue = z.infer<typeof AnswerValue>;
export const Answers = lazy(() => z.record(z.string(), AnswerValue));
export type Answers = z.infer<typeof Answers>;

export const RESPONSE_CHANNELS = ['web', 'paper'] as const;
export const SurveyResponse = named(
  'SurveyResponse',
  lazy(() =>
    z.object({
      id: Id,
      surveyId: Id,
      revision: z.int(),
      waveId: Id,
      invitationId: Id,
      /** Absent once the contact has been erased. */
      contactId: z.optional(Id),
      channel: z.enum(RESPONSE_CHANNELS),
      /** By question id: a number (nps, csat, rating), a choice id, a list of choice ids, or text. */
      answers: Answers,
      nps: z.optional(z.int()),
      csat: z.optional(z.int()),
      submittedAt: IsoDateTime,
      /** Paper answers: the member who typed them in. */
      enteredBy: z.optional(Id),
    }),
  ),
  'The answers of one invitation.',
);
export type SurveyResponse = z.infer<typeof SurveyResponse>;

export const PaperResponseCreate = named(
  'PaperResponseCreate',
  lazy(() =>
    z.object({
      /** The code printed on the letter (dashes, spaces and case do not matter). */
      code: z.string().check(z.minLength(4), z.maxLength(20)),
      answers: Answers,
    }),
  ),
);

export const PaperWaveCreate = named(
  'PaperWaveCreate',
  lazy(() => z.object({ contactIds: z.array(Id).check(z.minLength(1), z.maxLength(30)) })),
  'The contacts who receive a printed letter (at most 30 per batch).',
);

export const PaperWave = named(
  'PaperWave',
  lazy(() =>
    z.object({
      wave: Wave,
      invitations: z.array(z.object({ invitationId: Id, contactId: Id, code: z.string() })),
      printUrl: z.string(),
    }),
  ),
);

// Results

const Distribution = lazy(() => z.array(z.object({ value: z.string(), label: z.string(), count: z.int() })));

export const QuestionResult = named(
  'SurveyQuestionResult',
  lazy(() =>
    z.object({
      questionId: z.string(),
      type: z.enum(QUESTION_TYPES),
      text: z.string(),
      answered: z.int(),
      /** nps, csat and rating: each value; choices: each option. Text answers have none. */
      distribution: z.optional(Distribution),
      average: z.optional(z.number()),
      /** nps questions: % promoters (9-10) minus % detractors (0-6), from -100 to 100. */
      nps: z.optional(z.number()),
    }),
  ),
);

export const Scores = named(
  'SurveyScores',
  lazy(() =>
    z.object({
      invited: z.int(),
      responses: z.int(),
      /** responses / invited, in percent. */
      responseRate: z.optional(z.number()),
      nps: z.optional(
        z.object({
          score: z.number(),
          promoters: z.int(),
          passives: z.int(),
          detractors: z.int(),
          answered: z.int(),
        }),
      ),
      csat: z.optional(
        z.object({
          average: z.number(),
          /** Share of 4 and 5 answers, in percent. */
          satisfied: z.number(),
          answered: z.int(),
        }),
      ),
    }),
  ),
  "Headline numbers; NPS and CSAT come from the survey's first nps and first csat question.",
);
export type Scores = z.infer<typeof Scores>;

export const SurveyResults = named(
  'SurveyResults',
  lazy(() =>
    z.object({
      surveyId: Id,
      overall: Scores,
      revisions: z.array(z.object({ revision: z.int(), scores: Scores, questions: z.array(QuestionResult) })),
      waves: z.array(
        z.object({
          waveId: Id,
          revision: z.int(),
          channel: z.enum(WAVE_CHANNELS),
          startedAt: IsoDateTime,
          quarter: z.string(),
          scores: Scores,
          questions: z.array(QuestionResult),
        }),
      ),
    }),
  ),
  'Scores overall, per revision and per wave (oldest first, so trends read left to right).',
);
export type SurveyResults = z.infer<typeof SurveyResults>;
