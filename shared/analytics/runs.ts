import { sendMessages } from '../platform/aws/queues.ts';
import type { TenantContext } from '../platform/context.ts';
import { newId } from '../platform/ids.ts';
import { runBasket } from './basket.ts';
import { runForecast } from './forecast.ts';
import { runModels } from './propensity.ts';
import { runRfm } from './rfm.ts';
import { ANALYSES, type Analysis, type AnalysisRun, type AnalysisRunRequest } from './schema.ts';

export const RUNS_QUEUE = 'analytics-runs';

/**
 * Runs the analyses asked for, in the order of ANALYSES. `runId` makes a run's write-back
 * repeatable: the daily schedule's is its day, so a retried invocation writes the same events.
 */
export async function runAnalyses(
  ctx: TenantContext,
  analyses: readonly Analysis[],
  runId: string,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const analysis of ANALYSES.filter((a) => analyses.includes(a))) {
    switch (analysis) {
      case 'rfm': {
        const summary = await runRfm(ctx, runId);
        results.rfm = { customers: summary.customers, segmentChanges: summary.segmentChanges };
        break;
      }
      case 'basket':
        results.basket = await runBasket(ctx);
        break;
      case 'forecast':
        results.forecast = await runForecast(ctx);
        break;
      case 'models':
        results.models = await runModels(ctx, runId);
        break;
    }
  }
  return results;
}

export async function startAnalysisRun(
  ctx: TenantContext,
  request: AnalysisRunRequest,
): Promise<AnalysisRun> {
  const run: AnalysisRun = {
    id: newId(),
    analyses: [...new Set(request.analyses)],
    requestedAt: ctx.clock.now().toISOString(),
  };
  await sendMessages(RUNS_QUEUE, [{ tenantId: ctx.tenantId, ...run }]);
  return run;
}
