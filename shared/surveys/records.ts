import type { TenantContext } from '../platform/context.ts';
import { getItem, queryAll, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { surveyKeys } from './keys.ts';
import type { Survey, SurveyRevision } from './schema.ts';

/**
 * Reading surveys and revisions, apart from the service that changes them: the public form and
 * the consumers need these reads without the schedule's recurrence rules or the audience checks.
 */
export const surveyFromItem = (item: Record<string, unknown>): Survey => withoutKeys<Survey>(item);
export const revisionFromItem = (item: Record<string, unknown>): SurveyRevision =>
  withoutKeys<SurveyRevision>(item);

export async function getSurvey(ctx: TenantContext, id: string, consistent = false): Promise<Survey> {
  const item = await getItem(ctx, surveyKeys.survey(ctx.tenantId, id), { consistent });
  if (!item) throw new NotFoundError('Survey', id);
  return surveyFromItem(item);
}

export async function getRevision(
  ctx: TenantContext,
  surveyId: string,
  revision: number,
): Promise<SurveyRevision> {
  const item = await getItem(ctx, surveyKeys.revision(ctx.tenantId, surveyId, revision));
  if (!item) throw new NotFoundError('Survey revision', `${surveyId}/${revision}`);
  return revisionFromItem(item);
}

/** Every revision of a survey (a handful: one per edit after sending). */
export async function listRevisions(ctx: TenantContext, surveyId: string): Promise<SurveyRevision[]> {
  const items = await queryAll(ctx, {
    partition: surveyKeys.partition(ctx.tenantId, surveyId),
    sort: { beginsWith: 'REVISION#' },
  });
  return items.map(revisionFromItem);
}
