import * as z from 'zod/mini';
import { forgetModelScores } from '../../shared/analytics/propensity.ts';
import { runAnalyses } from '../../shared/analytics/runs.ts';
import { ANALYSES } from '../../shared/analytics/schema.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';

const Run = lazy(() =>
  z.object({
    tenantId: z.string(),
    id: z.string(),
    analyses: z.array(z.enum(ANALYSES)),
    /** A deleted model's key whose scores to remove from contacts. */
    forgetModel: z.optional(z.string()),
  }),
);

/**
 * A recomputation a member asked for, or the removal of a deleted model's scores; a redelivered
 * message does the same again (same run id; deleting scores twice is harmless).
 */
export const handler = queueHandler('analytics-runs', Run, async (run) => {
  const ctx = tenantContext({
    tenantId: asTenantId(run.tenantId),
    actor: { type: 'system', process: 'analytics-runs' },
  });
  if (run.forgetModel) await forgetModelScores(ctx, run.forgetModel);
  await runAnalyses(ctx, run.analyses, run.id);
});
