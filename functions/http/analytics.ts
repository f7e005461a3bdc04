import { boughtTogether } from '../../shared/analytics/basket.ts';
import { getForecast } from '../../shared/analytics/forecast.ts';
import { createModel, getModel } from '../../shared/analytics/propensity.ts';
import { getRfmSummary } from '../../shared/analytics/rfm.ts';
import { startAnalysisRun } from '../../shared/analytics/runs.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { analyticsRoutes } from '../app/analytics.ts';
import { recordKinds } from '../app/records.ts';

export const handler = httpHandler(
  analyticsRoutes,
  {
    getRfm: ({ ctx }) => getRfmSummary(ctx),
    getForecast: ({ ctx, query }) => getForecast(ctx, query),
    boughtTogether: ({ ctx, params, query }) => boughtTogether(ctx, params.id, query),
    createModel: async ({ ctx, body }) => {
      const model = await createModel(ctx, body);
      return reply(model, { status: 201, headers: { location: `/v1/models/${model.id}` } });
    },
    getModel: ({ ctx, params }) => getModel(ctx, params.id),
    startAnalysisRun: async ({ ctx, body }) => reply(await startAnalysisRun(ctx, body), { status: 202 }),
  },
  { records: recordKinds },
);
