import { SurveyWaveStarted } from '../../events/surveys.ts';
import { getContacts } from '../contacts/service.ts';
import { findMailing, startMailingInto } from '../marketing/mailings.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists } from '../platform/db/expressions.ts';
import { getItem, queryAll, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { absentIfNotFound, ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { newId } from '../platform/ids.ts';
import { publicUrl } from '../platform/links.ts';
import { localDate } from '../platform/time.ts';
import { moveOccurrenceTimer } from '../tasks/one-time.ts';
import { compactLocal, nextOccurrence } from '../tasks/recurrence.ts';
import { getTenant } from '../tenancy/records.ts';
import { invitationContent } from './invitation-mail.tsx';
import { CodeTaken, letterInto, newShortCode } from './invitations.ts';
import { invitationKeys, surveyKeys } from './keys.ts';
import { getSurvey } from './records.ts';
import { quarterOf } from './results.ts';
import type { Invitation, Survey, Wave } from './schema.ts';
import { SURVEY_MAILING_KIND } from './survey-mailings.ts';
import { markRevisionSentInto, saveSurveyInto } from './surveys.ts';

/**
 * Waves: each sending of a survey. A scheduled email wave starts when its one-time schedule fires
 * (the survey's `nextWaveAt`); the wave item, the survey's move to its next occurrence and the
 * SurveyWaveStarted event commit together, conditioned on `nextWaveAt` still being that
 * occurrence, so a redelivered or stale schedule starts nothing. The email-marketing sending
 * pipeline's mailing starts in that same transaction and mails the invitations (see
 * survey-mailings.ts). A paper wave is a batch of letters printed at once.
 */
export const WAVE_SCHEDULE = 'survey-wave';

export const waveFromItem = (item: Record<string, unknown>): Wave => withoutKeys<Wave>(item);

export function waveScheduleName(surveyId: string, occurrence: string): string {
  return `${WAVE_SCHEDULE}-${surveyId}-${compactLocal(occurrence)}`;
}

export async function getWave(ctx: TenantContext, surveyId: string, waveId: string): Promise<Wave> {
  const item = await getItem(ctx, surveyKeys.wave(ctx.tenantId, surveyId, waveId));
  if (!item) throw new NotFoundError('Survey wave', waveId);
  return waveFromItem(item);
}

/** A survey's waves, oldest first (one per quarter for years stays a small set). */
export async function listWaves(ctx: TenantContext, surveyId: string): Promise<Wave[]> {
  const items = await queryAll(ctx, {
    partition: surveyKeys.partition(ctx.tenantId, surveyId),
    sort: { beginsWith: 'WAVE#' },
  });
  return items.map(waveFromItem);
}

function newWave(ctx: TenantContext, survey: Survey, channel: Wave['channel'], timeZone: string): Wave {
  const now = ctx.clock.now();
  return {
    id: newId(),
    surveyId: survey.id,
    revision: survey.revision,
    channel,
    startedAt: now.toISOString(),
    quarter: quarterOf(localDate(now, timeZone)),
    linkExpiresAt: new Date(now.getTime() + survey.linkValidDays * 86_400_000).toISOString(),
  };
}

/** Moves the one-time schedule of the pending wave (SurveyScheduleSaved). */
/** What each invitation of a wave's mailing carries back to the survey (its link, its subject). */
function invitationRef(survey: Survey, wave: Wave) {
  return {
    surveyId: survey.id,
    revision: String(wave.revision),
    quarter: wave.quarter,
    linkExpiresAt: wave.linkExpiresAt,
    title: survey.title,
  };
}

export async function scheduleWave(
  ctx: TenantContext,
  change: { surveyId: string; timeZone: string; nextWaveAt?: string; previousWaveAt?: string },
): Promise<void> {
  const occurrences = {
    nextOccurrence: change.nextWaveAt,
    previousOccurrence: change.previousWaveAt,
    timeZone: change.timeZone,
  };
  await moveOccurrenceTimer(ctx, occurrences, {
    name: (occurrence) => waveScheduleName(change.surveyId, occurrence),
    target: 'surveys-jobs',
    schedule: WAVE_SCHEDULE,
    payload: (occurrence) => ({ surveyId: change.surveyId, occurrence }),
    description: (occurrence) => `Wave ${occurrence} of survey ${change.surveyId}`,
  });
}

/**
 * Starts the email wave of one occurrence, once. Returns undefined when the occurrence is no
 * longer the pending one (the survey was closed, rescheduled, or this is a redelivery).
 */
export async function startScheduledWave(
  ctx: TenantContext,
  surveyId: string,
  occurrence: string,
): Promise<Wave | undefined> {
  const survey = await getSurvey(ctx, surveyId, true).catch(absentIfNotFound);
  if (survey?.status !== 'active' || survey.nextWaveAt !== occurrence || !survey.schedule || !survey.audience)
    return undefined;
  const tenant = await getTenant(ctx);
  const wave: Wave = {
    ...newWave(ctx, survey, 'email', tenant.timeZone),
    occurrence,
    sampling: survey.sampling,
    mailingStatus: 'sending',
  };
  const following = survey.schedule.rrule
    ? await nextOccurrence(survey.schedule.rrule, survey.schedule.startsAt, occurrence)
    : undefined;
  const next: Survey = {
    ...survey,
    revisionSent: true,
    updatedAt: wave.startedAt,
    version: survey.version + 1,
  };
  if (following) next.nextWaveAt = following;
  else delete next.nextWaveAt;
  const uow = unitOfWork(ctx);
  saveSurveyInto(
    uow,
    ctx,
    survey,
    next,
    tenant.timeZone,
    (e) =>
      `${e.name('nextWaveAt')} = ${e.value(occurrence)} AND ${e.name('revision')} = ${e.value(survey.revision)}`,
  );
  if (!survey.revisionSent)
    uow.update(surveyKeys.revision(ctx.tenantId, survey.id, survey.revision), {
      set: { sentAt: wave.startedAt },
    });
  uow.put({ ...surveyKeys.wave(ctx.tenantId, survey.id, wave.id), entity: 'SurveyWave', ...wave });
  uow.publish(SurveyWaveStarted, {
    surveyId: survey.id,
    waveId: wave.id,
    revision: wave.revision,
    channel: 'email',
  });
  startMailingInto(uow, ctx, {
    id: wave.id,
    kind: SURVEY_MAILING_KIND,
    audience: survey.audience,
    ...(survey.topicId ? { topicId: survey.topicId } : {}),
    sender: tenant.sender,
    content: invitationContent(await translator(tenant.locale)),
    ref: invitationRef(survey, wave),
  });
  try {
    await uow.commit();
  } catch (error) {
    // Another firing of the same occurrence won, or the survey changed meanwhile: nothing to do.
    if (error instanceof ConflictError || (error as Error).name === 'PreconditionFailedError')
      return undefined;
    throw error;
  }
  return wave;
}

export interface PaperWaveResult {
  wave: Wave;
  invitations: Array<{ invitationId: string; contactId: string; code: string }>;
  printUrl: string;
}

/**
 * A batch of paper letters: one invitation with a short code per contact, in one transaction
 * (hence at most 30 letters per batch). Explicitly chosen contacts are not sampled.
 */
export async function startPaperWave(
  ctx: TenantContext,
  surveyId: string,
  contactIds: string[],
): Promise<PaperWaveResult> {
  const survey = await getSurvey(ctx, surveyId, true);
  if (survey.status !== 'active')
    throw new ConflictError(
      'Activate the survey (status active) before printing letters: answers are only accepted then.',
    );
  const ids = [...new Set(contactIds)];
  const contacts = await getContacts(ctx, ids);
  const unknown = contactIds.flatMap((id, i) =>
    contacts.has(id) ? [] : [{ path: `body.contactIds.${i}`, message: `No contact ${id}.` }],
  );
  if (unknown.length) throw new ValidationError(unknown);
  const tenant = await getTenant(ctx);
  for (let attempt = 0; ; attempt++) {
    const wave: Wave = {
      ...newWave(ctx, survey, 'paper', tenant.timeZone),
      invitationIds: [],
      invited: ids.length,
    };
    const uow = unitOfWork(ctx);
    const invitations: Invitation[] = ids.map((contactId) =>
      letterInto(uow, ctx, { wave, contactId, code: newShortCode() }),
    );
    wave.invitationIds = invitations.map((i) => i.id);
    uow.put({ ...surveyKeys.wave(ctx.tenantId, survey.id, wave.id), entity: 'SurveyWave', ...wave });
    markRevisionSentInto(uow, ctx, survey, wave.startedAt);
    uow.publish(SurveyWaveStarted, {
      surveyId: survey.id,
      waveId: wave.id,
      revision: wave.revision,
      channel: 'paper',
    });
    try {
      await uow.commit();
    } catch (error) {
      // 40 bits of code rarely collide; when one does, draw the batch's codes again.
      if (error instanceof CodeTaken && attempt < 3) continue;
      throw error;
    }
    return {
      wave,
      invitations: invitations.map((i) => ({ invitationId: i.id, contactId: i.contactId, code: i.code! })),
      printUrl: publicUrl(`/v1/surveys/${survey.id}/waves/${wave.id}/print`),
    };
  }
}

/** How many invitations of an email wave were mailed, once its mailing completed (idempotent). */
export async function recordWaveReach(ctx: TenantContext, surveyId: string, waveId: string, sent: number) {
  await unitOfWork(ctx)
    .update(surveyKeys.wave(ctx.tenantId, surveyId, waveId), {
      set: { invited: sent },
      condition: exists,
      onConditionFailed: () => new NotFoundError('Survey wave', waveId),
    })
    .commit();
}

/** MailingCompleted of a survey wave: the mailing's id is the wave's, its ref names the survey. */
export async function recordMailingReach(ctx: TenantContext, mailingId: string, sent: number): Promise<void> {
  const mailing = await findMailing(ctx, mailingId, true);
  if (mailing?.kind !== SURVEY_MAILING_KIND || !mailing.ref?.surveyId) return;
  await recordWaveReach(ctx, mailing.ref.surveyId, mailingId, sent);
}

/**
 * A wave for one contact, started by another module's trigger (a solved case asks for its
 * satisfaction survey: docs/contact-centre.md), at most once per trigger: a guard in the survey's
 * partition commits with the wave. It is service mail about the contact's own request, so it goes
 * out as transactional (no topic or marketing consent; the suppression list still applies), and
 * the survey's sampling rules still apply. Nothing is sent unless the survey is active.
 */
export async function startTriggeredWave(
  ctx: TenantContext,
  surveyId: string,
  contactId: string,
  trigger: string,
): Promise<Wave | undefined> {
  const survey = await getSurvey(ctx, surveyId, true).catch(absentIfNotFound);
  if (survey?.status !== 'active') return undefined;
  const tenant = await getTenant(ctx);
  const wave: Wave = {
    ...newWave(ctx, survey, 'email', tenant.timeZone),
    sampling: survey.sampling,
    mailingStatus: 'sending',
  };
  const uow = unitOfWork(ctx);
  uow.put(
    { ...surveyKeys.trigger(ctx.tenantId, survey.id, trigger), entity: 'SurveyTrigger', waveId: wave.id },
    {
      condition: (e) => `attribute_not_exists(${e.name('PK')})`,
      onConditionFailed: () => new AlreadyTriggered(),
    },
  );
  const window = survey.sampling?.skipIfSurveyedWithinDays;
  if (window !== undefined) {
    // The mailing's sampling reads when the contact was last invited, which is written when the
    // invitation goes out: two triggers at once would both pass it. The claim commits with the
    // wave, once per window, and expires with it (TTL).
    const now = ctx.clock.now();
    const cutoff = new Date(now.getTime() - window * 86_400_000).toISOString();
    uow.put(
      {
        ...invitationKeys.triggerClaim(ctx.tenantId, contactId, survey.id),
        entity: 'SurveyTriggerClaim',
        contactId,
        surveyId: survey.id,
        waveId: wave.id,
        claimedAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + window * 86_400,
      },
      {
        condition: (e) =>
          `attribute_not_exists(${e.name('PK')}) OR ${e.name('claimedAt')} < ${e.value(cutoff)}`,
        onConditionFailed: () => new AlreadyTriggered(),
      },
    );
  }
  markRevisionSentInto(uow, ctx, survey, wave.startedAt);
  uow.put({ ...surveyKeys.wave(ctx.tenantId, survey.id, wave.id), entity: 'SurveyWave', ...wave });
  uow.publish(SurveyWaveStarted, {
    surveyId: survey.id,
    waveId: wave.id,
    revision: wave.revision,
    channel: 'email',
  });
  startMailingInto(uow, ctx, {
    id: wave.id,
    kind: SURVEY_MAILING_KIND,
    category: 'transactional',
    audience: { lists: [], segments: [], excludeLists: [], excludeSegments: [], contactIds: [contactId] },
    sender: tenant.sender,
    content: invitationContent(await translator(tenant.locale)),
    ref: invitationRef(survey, wave),
  });
  try {
    await uow.commit();
  } catch (error) {
    if (error instanceof AlreadyTriggered) return undefined;
    throw error;
  }
  return wave;
}

class AlreadyTriggered extends Error {}
