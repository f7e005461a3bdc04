import { boughtTogether } from '../../shared/analytics/basket.ts';
import { cohortHeatMap } from '../../shared/analytics/cohort-chart.ts';
import { getForecast } from '../../shared/analytics/forecast.ts';
import { createModel, deleteModel, getModel, listModels } from '../../shared/analytics/propensity.ts';
import { getCohortRetention, getRfmSummary } from '../../shared/analytics/rfm.ts';
import { startAnalysisRun } from '../../shared/analytics/runs.ts';
import { httpHandler, noContent, reply } from '../../shared/platform/http/handler.ts';
import { preferredType } from '../../shared/platform/http/negotiate.ts';
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
    listModels: ({ ctx }) => listModels(ctx),
    deleteModel: async ({ ctx, params }) => {
      await deleteModel(ctx, params.id);
      return noContent();
    },
    getCohorts: async ({ ctx, headers }) => {
      const retention = await getCohortRetention(ctx);
      return preferredType(headers.accept, ['application/json', 'image/svg+xml']) === 'image/svg+xml'
        ? reply(await cohortHeatMap(retention), { headers: { 'content-type': 'image/svg+xml' } })
        : retention;
    },
    startAnalysisRun: async ({ ctx, body }) => reply(await startAnalysisRun(ctx, body), { status: 202 }),
  },
  // A model's product is checked like any record a body names (functions/app/records.ts).
  { records: recordKinds },
);
