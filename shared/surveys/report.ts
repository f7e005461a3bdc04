import type { TenantContext } from '../platform/context.ts';
import { queryAll } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { surveyKeys } from './keys.ts';
import { revisionFromItem } from './records.ts';
import { addCounters, type Counters, combinedScores, questionResults, scoresOf } from './results.ts';
import type { SurveyResults } from './schema.ts';
import { waveFromItem } from './waves.ts';

/** Attributes of an aggregate shard that are not counters. */
const NOT_COUNTERS = new Set(['PK', 'SK', 'entity', 'waveId', 'revision']);

/**
 * GET /v1/surveys/{id}/results: one Query of the survey's partition (the survey, its revisions,
 * its waves and their aggregate shards, a few dozen items after years of quarterly waves), never
 * a pass over the responses.
 */
export async function surveyResults(ctx: TenantContext, surveyId: string): Promise<SurveyResults> {
  const items = await queryAll(ctx, { partition: surveyKeys.partition(ctx.tenantId, surveyId) });
  if (!items.some((item) => item.SK === 'SURVEY')) throw new NotFoundError('Survey', surveyId);
  const sk = (item: Record<string, unknown>) => String(item.SK);
  const revisions = new Map(
    items
      .filter((i) => sk(i).startsWith('REVISION#'))
      .map((i) => {
        const revision = revisionFromItem(i);
        return [revision.revision, revision] as const;
      }),
  );
  const waves = items
    .filter((i) => sk(i).startsWith('WAVE#'))
    .map(waveFromItem)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const countersOf = new Map<string, Counters>();
  for (const item of items.filter((i) => sk(i).startsWith('STATS#'))) {
    const counters: Counters = {};
    for (const [name, value] of Object.entries(item))
      if (!NOT_COUNTERS.has(name) && typeof value === 'number') counters[name] = value;
    const waveId = String(item.waveId);
    countersOf.set(waveId, addCounters(countersOf.get(waveId) ?? {}, counters));
  }
  const byRevision = new Map<number, Counters>();
  const waveResults = waves.map((wave) => {
    const questions = revisions.get(wave.revision)?.questions ?? [];
    const counters = { ...countersOf.get(wave.id), invited: wave.invited ?? 0 };
    byRevision.set(wave.revision, addCounters(byRevision.get(wave.revision) ?? {}, counters));
    return {
      waveId: wave.id,
      revision: wave.revision,
      channel: wave.channel,
      startedAt: wave.startedAt,
      quarter: wave.quarter,
      scores: scoresOf(questions, counters),
      questions: questionResults(questions, counters),
    };
  });
  const revisionResults = [...byRevision.entries()]
    .sort(([a], [b]) => a - b)
    .map(([revision, counters]) => {
      const questions = revisions.get(revision)?.questions ?? [];
      return {
        revision,
        scores: scoresOf(questions, counters),
        questions: questionResults(questions, counters),
      };
    });
  return {
    surveyId,
    overall: combinedScores(
      [...byRevision.entries()].map(([revision, counters]) => ({
        questions: revisions.get(revision)?.questions ?? [],
        counters,
      })),
    ),
    revisions: revisionResults,
    waves: waveResults,
  };
}
