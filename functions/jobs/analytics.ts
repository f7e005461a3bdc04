import { runAnalyses } from '../../shared/analytics/runs.ts';
import { ANALYSES } from '../../shared/analytics/schema.ts';
import { jobHandler } from '../../shared/platform/handlers.ts';

/** One tenant's daily analyses (a per-tenant schedule); the run is named by its UTC day. */
export const handler = jobHandler('analytics-jobs', async ({ ctx, input }) => {
  if (!ctx) throw new Error(`The ${input.schedule} schedule must name its tenant.`);
  return runAnalyses(ctx, ANALYSES, `daily-${ctx.clock.now().toISOString().slice(0, 10)}`);
});
