import { SurveyScheduleSaved } from '../../events/surveys.ts';
import { checkAudience } from '../marketing/audience-check.ts';
import { usableTopic } from '../marketing/topics.ts';
import type { TenantContext } from '../platform/context.ts';
import { type Condition, exists, hasVersion } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  type FieldIssue,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { localDateTime, nextOccurrence, parseRecurrence, RecurrenceError } from '../tasks/recurrence.ts';
import { getTenant } from '../tenancy/records.ts';
import { surveyKeys } from './keys.ts';
import { normalizeQuestions } from './questions.ts';
import { getSurvey, surveyFromItem } from './records.ts';
import type { Survey, SurveyCreate, SurveyRevision, SurveySchedule, SurveyUpdate } from './schema.ts';

/**
 * Surveys and their revisions. Content (title, intro, questions) is edited freely until a wave
 * sends it; from then on that revision is kept as it was, and an edit starts the next revision.
 * Invitations and responses name their revision, so answers stay tied to the questions asked.
 *
 * The schedule works like recurring tasks: only the next wave is ever pending, as one one-time
 * schedule, moved by the SurveyScheduleSaved event written with every change of `nextWaveAt`.
 */

export async function listSurveys(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Survey>> {
  return queryPage(
    ctx,
    { index: 'GSI1', partition: surveyKeys.list(ctx.tenantId), ascending: false },
    page,
    surveyFromItem,
  );
}

function checked<T>(result: { issues: FieldIssue[] } & T): T {
  if (result.issues.length) throw new ValidationError(result.issues);
  return result;
}

/** The wall-clock moment of the pending wave, given the schedule and now; undefined when none is due. */
async function nextWave(
  schedule: SurveySchedule,
  nowLocal: string,
  strict: boolean,
): Promise<string | undefined> {
  if (!schedule.rrule) {
    if (schedule.startsAt > nowLocal) return schedule.startsAt;
    if (strict)
      throw ValidationError.field(
        'body.schedule.startsAt',
        'Must be in the future (in the tenant time zone).',
      );
    return undefined;
  }
  const next = await nextOccurrence(schedule.rrule, schedule.startsAt, nowLocal);
  if (!next && strict)
    throw ValidationError.field('body.schedule.rrule', 'The rule has no occurrence after now.');
  return next;
}

async function checkSchedule(schedule: SurveySchedule): Promise<void> {
  if (!schedule.rrule) return;
  if (/FREQ=(DAILY|HOURLY|MINUTELY|SECONDLY)/i.test(schedule.rrule))
    throw ValidationError.field(
      'body.schedule.rrule',
      'Surveys recur at most weekly: FREQ must be WEEKLY, MONTHLY or YEARLY (quarterly: FREQ=MONTHLY;INTERVAL=3).',
    );
  try {
    await parseRecurrence(schedule.rrule, schedule.startsAt);
  } catch (error) {
    if (error instanceof RecurrenceError) throw ValidationError.field('body.schedule.rrule', error.message);
    throw error;
  }
}

/** A survey mailed on a schedule needs an audience and a topic that exist (paper-only surveys need neither). */
async function checkActivation(ctx: TenantContext, survey: Survey): Promise<void> {
  if (!survey.schedule) return;
  if (!survey.audience)
    throw ValidationError.field('body.audience', 'A scheduled survey needs an audience: lists or segments.');
  if (!survey.topicId)
    throw ValidationError.field(
      'body.topicId',
      'A scheduled survey needs a subscription topic: invitations go only to contacts with consent for it.',
    );
  await Promise.all([
    checkAudience(ctx, survey.audience, 'body.audience'),
    usableTopic(ctx, survey.topicId, 'body.topicId'),
  ]);
}

export async function createSurvey(ctx: TenantContext, input: SurveyCreate): Promise<Survey> {
  const { questions } = checked(normalizeQuestions(input.questions));
  if (input.schedule) await checkSchedule(input.schedule);
  const now = ctx.clock.now().toISOString();
  const survey: Survey = {
    id: newId(),
    title: input.title,
    ...(input.intro ? { intro: input.intro } : {}),
    questions,
    status: 'draft',
    revision: 1,
    revisionSent: false,
    ...(input.audience ? { audience: input.audience } : {}),
    ...(input.topicId ? { topicId: input.topicId } : {}),
    sampling: input.sampling,
    linkValidDays: input.linkValidDays,
    ...(input.schedule ? { schedule: input.schedule } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const uow = unitOfWork(ctx).put({
    ...surveyKeys.survey(ctx.tenantId, survey.id),
    entity: 'Survey',
    ...survey,
    GSI1PK: surveyKeys.list(ctx.tenantId),
    GSI1SK: `${now}#${survey.id}`,
  });
  writeRevisionInto(uow, ctx, survey);
  await uow.commit();
  return survey;
}

function writeRevisionInto(uow: UnitOfWork, ctx: TenantContext, survey: Survey): void {
  const revision: SurveyRevision = {
    surveyId: survey.id,
    revision: survey.revision,
    title: survey.title,
    ...(survey.intro ? { intro: survey.intro } : {}),
    questions: survey.questions,
    createdAt: ctx.clock.now().toISOString(),
  };
  uow.put({
    ...surveyKeys.revision(ctx.tenantId, survey.id, survey.revision),
    entity: 'SurveyRevision',
    ...revision,
  });
}

const CONTENT_FIELDS = ['title', 'intro', 'questions'] as const;

export async function updateSurvey(
  ctx: TenantContext,
  id: string,
  input: SurveyUpdate,
  ifMatch: number | 'any' | undefined,
): Promise<Survey> {
  const current = await getSurvey(ctx, id, true);
  assertIfMatch(ifMatch, current);
  const next: Survey = { ...current };
  if (input.title !== undefined) next.title = input.title;
  if (input.intro !== undefined) {
    if (input.intro === null) delete next.intro;
    else next.intro = input.intro;
  }
  if (input.questions) next.questions = checked(normalizeQuestions(input.questions)).questions;
  for (const field of ['audience', 'topicId', 'schedule'] as const) {
    const value = input[field];
    if (value === null) delete next[field];
    else if (value !== undefined) (next as Record<string, unknown>)[field] = value;
  }
  if (input.sampling) next.sampling = input.sampling;
  if (input.linkValidDays !== undefined) next.linkValidDays = input.linkValidDays;
  if (input.schedule) await checkSchedule(input.schedule);
  if (input.status && input.status !== current.status) {
    if (input.status === 'draft')
      throw new ConflictError('A survey that was activated cannot go back to draft; close it instead.');
    next.status = input.status;
  }
  const contentChanged = CONTENT_FIELDS.some(
    (field) => input[field] !== undefined && JSON.stringify(next[field]) !== JSON.stringify(current[field]),
  );
  if (contentChanged && current.revisionSent) {
    next.revision = current.revision + 1;
    next.revisionSent = false;
  }
  if (next.status === 'active') await checkActivation(ctx, next);

  const tenant = await getTenant(ctx);
  const nowLocal = localDateTime(ctx.clock.now(), tenant.timeZone);
  const scheduleChanged =
    JSON.stringify(next.schedule) !== JSON.stringify(current.schedule) || next.status !== current.status;
  if (scheduleChanged) {
    const pending =
      next.status === 'active' && next.schedule ? await nextWave(next.schedule, nowLocal, true) : undefined;
    if (pending) next.nextWaveAt = pending;
    else delete next.nextWaveAt;
  }
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;

  const uow = unitOfWork(ctx);
  saveSurveyInto(uow, ctx, current, next, tenant.timeZone, hasVersion(current.version));
  if (contentChanged) writeRevisionInto(uow, ctx, next);
  await uow.commit();
  return next;
}

/**
 * Writes `next` over `current` (conditioned on `condition`) and, when the pending wave moved, the
 * event that moves its schedule.
 */
export function saveSurveyInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  current: Survey,
  next: Survey,
  timeZone: string,
  condition: Condition = exists,
): void {
  const { id: _id, createdAt: _created, ...fields } = next;
  const removed = (['intro', 'audience', 'topicId', 'schedule', 'nextWaveAt'] as const).filter(
    (field) => next[field] === undefined,
  );
  uow.update(surveyKeys.survey(ctx.tenantId, current.id), {
    set: fields,
    remove: removed,
    condition,
    onConditionFailed: (existing) =>
      existing ? new PreconditionFailedError() : new NotFoundError('Survey', current.id),
  });
  if (next.nextWaveAt !== current.nextWaveAt)
    uow.publish(SurveyScheduleSaved, {
      surveyId: current.id,
      timeZone,
      ...(next.nextWaveAt ? { nextWaveAt: next.nextWaveAt } : {}),
      ...(current.nextWaveAt ? { previousWaveAt: current.nextWaveAt } : {}),
    });
}

/**
 * Marks the survey's current revision as sent, in the unit of work that sends it: conditioned on
 * the revision read, so content edited meanwhile is never sent under the old revision's number.
 */
export function markRevisionSentInto(uow: UnitOfWork, ctx: TenantContext, survey: Survey, at: string): void {
  if (survey.revisionSent) {
    uow.check(
      surveyKeys.survey(ctx.tenantId, survey.id),
      (e) => `${e.name('revision')} = ${e.value(survey.revision)}`,
      () => new ConflictError('The survey was edited while the wave started; try again.'),
    );
    return;
  }
  // A new version: an edit read before this wave (revisionSent still false) must fail its version
  // check, not write the sent revision over in place.
  uow.update(surveyKeys.survey(ctx.tenantId, survey.id), {
    set: { revisionSent: true },
    bumpVersion: true,
    condition: (e) => `${e.name('revision')} = ${e.value(survey.revision)}`,
    onConditionFailed: () => new ConflictError('The survey was edited while the wave started; try again.'),
  });
  uow.update(surveyKeys.revision(ctx.tenantId, survey.id, survey.revision), { set: { sentAt: at } });
}
