import * as z from 'zod/mini';
import { runAnalyses } from '../../shared/analytics/runs.ts';
import { ANALYSES } from '../../shared/analytics/schema.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';

const Run = z.object({ tenantId: z.string(), id: z.string(), analyses: z.array(z.enum(ANALYSES)) });

/** A recomputation a member asked for; a redelivered message runs it again under the same id. */
export const handler = queueHandler('analytics-runs', Run, async (run) => {
  const ctx = tenantContext({
    tenantId: asTenantId(run.tenantId),
    actor: { type: 'system', process: 'analytics-runs' },
  });
  await runAnalyses(ctx, run.analyses, run.id);
});
