import { boughtTogether } from '../../shared/analytics/basket.ts';
import { getRfmSummary } from '../../shared/analytics/rfm.ts';
import { startAnalysisRun } from '../../shared/analytics/runs.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { analyticsRoutes } from '../app/analytics.ts';

export const handler = httpHandler(analyticsRoutes, {
  getRfm: ({ ctx }) => getRfmSummary(ctx),
  boughtTogether: ({ ctx, params, query }) => boughtTogether(ctx, params.id, query),
  startAnalysisRun: async ({ ctx, body }) => reply(await startAnalysisRun(ctx, body), { status: 202 }),
});
