import { SurveyResponded } from '../../events/surveys.ts';
import { getContacts } from '../contacts/service.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import type { TenantContext } from '../platform/context.ts';
import { toCsv } from '../platform/csv.ts';
import type { ExpressionBuilder } from '../platform/db/expressions.ts';
import {
  getItem,
  type Item,
  type Page,
  queryPage,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import { newId } from '../platform/ids.ts';
import { ownValue } from '../platform/own.ts';
import { invitationByCode } from './invitations.ts';
import { invitationKeys, responseKeys, shardOf, surveyKeys } from './keys.ts';
import {
  type AnswerSource,
  answerText,
  firstComment,
  headlineScores,
  needsFollowUp,
  readAnswers,
  responseCounters,
} from './questions.ts';
import { getRevision, getSurvey, listRevisions } from './records.ts';
import type { Invitation, Question, SurveyResponse } from './schema.ts';

/**
 * One response per invitation. A second submission is refused (409) rather than merged: the first
 * answer may already have started a follow-up call, and results must not move under it. The
 * response, the invitation's "answered" mark, the wave's aggregates, the contact's timeline entry
 * and the SurveyResponded event commit in one transaction.
 */

export const responseFromItem = (item: Item): SurveyResponse => withoutKeys<SurveyResponse>(item);

export class AlreadyAnswered extends ConflictError {
  constructor(readonly respondedAt: string | undefined) {
    super('This invitation has already been answered; a survey is answered once per invitation.', {
      ...(respondedAt ? { respondedAt } : {}),
    });
  }
}

export class SurveyClosed extends ConflictError {
  constructor() {
    super('This survey is closed: it no longer accepts answers.');
  }
}

export interface ResponseInput {
  answers: Record<string, unknown>;
  source: AnswerSource;
  channel: SurveyResponse['channel'];
  /** Paper answers: the member typing them in. */
  enteredBy?: string;
  /** The language problems with the answers are written in (English, the API's, by default). */
  i18n?: Translator;
}

/** Problems with the answers, by question id, as 400 field paths `body.answers.<id>`. */
export function answerIssues(problems: Record<string, string>) {
  return Object.entries(problems).map(([id, message]) => ({ path: `body.answers.${id}`, message }));
}

export async function recordResponse(
  ctx: TenantContext,
  invitation: Invitation,
  input: ResponseInput,
): Promise<SurveyResponse> {
  if (invitation.responseId) throw new AlreadyAnswered(invitation.respondedAt);
  const [survey, revision] = await Promise.all([
    getSurvey(ctx, invitation.surveyId),
    getRevision(ctx, invitation.surveyId, invitation.revision),
  ]);
  if (survey.status !== 'active') throw new SurveyClosed();
  const { answers, problems } = readAnswers(
    revision.questions,
    input.answers,
    input.source,
    input.i18n ?? (await translator()),
  );
  if (Object.keys(problems).length) throw new ValidationError(answerIssues(problems));

  const contact = (await getContacts(ctx, [invitation.contactId])).get(invitation.contactId);
  const scores = headlineScores(revision.questions, answers);
  const comment = firstComment(revision.questions, answers);
  const now = ctx.clock.now().toISOString();
  const t = ctx.tenantId;
  const response: SurveyResponse = {
    id: newId(),
    surveyId: invitation.surveyId,
    revision: invitation.revision,
    waveId: invitation.waveId,
    invitationId: invitation.id,
    ...(contact ? { contactId: contact.id } : {}),
    channel: input.channel,
    answers,
    ...scores,
    submittedAt: now,
    ...(input.enteredBy ? { enteredBy: input.enteredBy } : {}),
  };
  const sort = `${now}#${response.id}`;
  const uow = unitOfWork(ctx);
  uow.put({
    ...responseKeys.response(t, response.id),
    entity: 'SurveyResponse',
    ...response,
    GSI1PK: responseKeys.ofSurvey(t, response.surveyId),
    GSI1SK: sort,
    GSI2PK: responseKeys.ofWave(t, response.waveId),
    GSI2SK: sort,
    ...(contact ? { GSI3PK: responseKeys.ofContact(t, contact.id), GSI3SK: sort } : {}),
  });
  uow.update(invitationKeys.invitation(t, invitation.id), {
    set: { responseId: response.id, respondedAt: now },
    condition: (e) => `attribute_exists(${e.name('PK')}) AND attribute_not_exists(${e.name('responseId')})`,
    onConditionFailed: (existing) =>
      existing
        ? new AlreadyAnswered(existing.respondedAt as string | undefined)
        : new NotFoundError('Survey invitation', invitation.id),
  });
  uow.update(surveyKeys.stats(t, response.surveyId, response.waveId, shardOf(response.id)), {
    setIfAbsent: { entity: 'SurveyStats', waveId: response.waveId, revision: response.revision },
    add: responseCounters(revision.questions, answers),
  });
  if (contact)
    addTimelineEntryInto(uow, ctx, contact.id, {
      kind: 'survey_response',
      title: `Answered the survey “${revision.title}”`,
      ...(describeScores(scores, comment) ? { summary: describeScores(scores, comment) } : {}),
      ref: { type: 'survey_response', id: response.id },
    });
  uow.publish(SurveyResponded, {
    surveyId: response.surveyId,
    responseId: response.id,
    ...(contact ? { contactId: contact.id } : {}),
    ...scores,
    waveId: response.waveId,
    revision: response.revision,
    channel: response.channel,
    needsFollowUp: needsFollowUp(scores),
    ...(comment ? { comment } : {}),
  });
  await uow.commit();
  return response;
}

/** Answers received by post, typed in by a member with the letter's short code. */
export async function recordPaperResponse(
  ctx: TenantContext,
  input: { code: string; answers: Record<string, unknown> },
): Promise<SurveyResponse> {
  const invitation = await invitationByCode(ctx, input.code);
  // A code names a letter, as an id names a record: one that names none is a 404, like an id.
  if (!invitation) throw new NotFoundError('Letter with code', input.code);
  return recordResponse(ctx, invitation, {
    answers: input.answers,
    source: 'json',
    channel: 'paper',
    ...(ctx.actor.type === 'member' ? { enteredBy: ctx.actor.memberId } : {}),
  });
}

function describeScores(scores: { nps?: number; csat?: number }, comment: string | undefined): string {
  return [
    scores.nps !== undefined ? `NPS ${scores.nps}/10` : '',
    scores.csat !== undefined ? `CSAT ${scores.csat}/5` : '',
    comment ? `“${comment.length > 140 ? `${comment.slice(0, 139)}…` : comment}”` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

export async function getResponse(ctx: TenantContext, id: string): Promise<SurveyResponse> {
  const item = await getItem(ctx, responseKeys.response(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Survey response', id);
  return responseFromItem(item);
}

export interface ResponseWithContact extends SurveyResponse {
  contact?: { id: string; firstName: string; lastName: string; email?: string };
}

async function withContacts(ctx: TenantContext, responses: SurveyResponse[]): Promise<ResponseWithContact[]> {
  const contacts = await getContacts(
    ctx,
    responses.map((r) => r.contactId).filter((id): id is string => id !== undefined),
  );
  return responses.map((response) => {
    const contact = response.contactId ? contacts.get(response.contactId) : undefined;
    return contact
      ? {
          ...response,
          contact: {
            id: contact.id,
            firstName: contact.firstName,
            lastName: contact.lastName,
            ...(contact.email ? { email: contact.email } : {}),
          },
        }
      : response;
  });
}

/** A survey's (or one wave's) responses, newest first, each with its contact. */
export async function listResponses(
  ctx: TenantContext,
  surveyId: string,
  query: { waveId?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<ResponseWithContact>> {
  await getSurvey(ctx, surveyId);
  const page = await queryPage(ctx, responseQuery(ctx, surveyId, query.waveId), query, responseFromItem);
  return { ...page, items: await withContacts(ctx, page.items) };
}

function responseQuery(ctx: TenantContext, surveyId: string, waveId: string | undefined) {
  return waveId
    ? {
        index: 'GSI2' as const,
        partition: responseKeys.ofWave(ctx.tenantId, waveId),
        ascending: false,
        // A wave id of another survey must find nothing here.
        filter: (e: ExpressionBuilder) => `${e.name('surveyId')} = ${e.value(surveyId)}`,
        filterFingerprint: { surveyId },
      }
    : { index: 'GSI1' as const, partition: responseKeys.ofSurvey(ctx.tenantId, surveyId), ascending: false };
}

export const EXPORT_PAGE = 1000;

/**
 * Responses as CSV, 1000 per request, newest first; the next page's cursor goes in the
 * `x-next-cursor` header and only the first page has the header row, so pages concatenate.
 * One column per question id over every revision (headed by its latest text).
 */
export async function exportResponses(
  ctx: TenantContext,
  surveyId: string,
  query: { waveId?: string | undefined; cursor?: string | undefined },
): Promise<{ body: string; nextCursor?: string }> {
  await getSurvey(ctx, surveyId);
  const [revisions, page] = await Promise.all([
    listRevisions(ctx, surveyId),
    queryPage(
      ctx,
      responseQuery(ctx, surveyId, query.waveId),
      { limit: EXPORT_PAGE, cursor: query.cursor },
      responseFromItem,
    ),
  ]);
  const columns = new Map<string, Question>();
  for (const revision of revisions)
    for (const question of revision.questions) columns.set(question.id, question);
  const questionsOf = new Map(revisions.map((r) => [r.revision, new Map(r.questions.map((q) => [q.id, q]))]));
  const rows = (await withContacts(ctx, page.items)).map((response) => [
    response.id,
    response.submittedAt,
    response.channel,
    response.waveId,
    response.revision,
    response.contactId ?? '',
    response.contact ? `${response.contact.firstName} ${response.contact.lastName}` : '',
    response.contact?.email ?? '',
    response.nps ?? '',
    response.csat ?? '',
    ...[...columns.keys()].map((id) => {
      const question = questionsOf.get(response.revision)?.get(id);
      return question ? answerText(question, ownValue(response.answers, id)) : '';
    }),
  ]);
  const header = [
    'Response Id',
    'Submitted At',
    'Channel',
    'Wave Id',
    'Revision',
    'Contact Id',
    'Contact Name',
    'Email',
    'NPS',
    'CSAT',
    ...[...columns.values()].map((q) => q.text),
  ];
  const body = await toCsv([...(query.cursor ? [] : [header]), ...rows]);
  return { body, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
