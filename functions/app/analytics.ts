import * as z from 'zod/mini';
import {
  AnalysisRun,
  AnalysisRunRequest,
  BoughtTogether,
  BoughtTogetherQuery,
  CohortRetention,
  ForecastQuery,
  Model,
  ModelCreate,
  ModelDefinition,
  ModelList,
  RfmSummary,
  SalesForecast,
} from '../../shared/analytics/schema.ts';
import { adminOnly, anyMember } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id } from '../../shared/platform/schema.ts';
import { defineModule } from './types.ts';

const fn = 'analytics-api';
const tags = ['Analytics'];

export const analyticsRoutes = {
  getRfm: route({
    operationId: 'getRfmSegmentation',
    method: 'GET',
    path: '/v1/analytics/rfm',
    function: fn,
    access: anyMember,
    summary: 'RFM segments, repeat purchases and cohort retention',
    description:
      'The latest RFM segmentation of the tenant’s customers (recomputed daily): how many are champions, loyal, ' +
      'at risk…, by which rules, what each quintile score stands for, the repeat-purchase rate, and retention by ' +
      'month of first purchase. Each contact’s own scores are kept beside the contact, for segments (`rfm.segment`) and automation. ' +
      'Before the first computation, an empty segmentation with a message saying how to start one.',
    tags,
    response: { status: 200, schema: RfmSummary },
  }),
  getCohorts: route({
    operationId: 'getCohortRetention',
    method: 'GET',
    path: '/v1/analytics/cohorts',
    function: fn,
    access: anyMember,
    summary: 'Cohort retention by month of first purchase, as a table or a heat map',
    description:
      'Customers grouped by the month of their first order (the last twelve months), and the share of each cohort ' +
      'that ordered again in each month after it: as JSON, or as an SVG heat map with `Accept: image/svg+xml`. ' +
      'Computed with the RFM segmentation (daily); before the first computation, empty with a message saying how to start one.',
    tags,
    response: {
      status: 200,
      schema: CohortRetention,
      alternatives: ['image/svg+xml'],
      description: 'The table as JSON; the heat map as SVG with `Accept: image/svg+xml`.',
    },
  }),
  getForecast: route({
    operationId: 'getSalesForecast',
    method: 'GET',
    path: '/v1/analytics/forecast',
    function: fn,
    access: anyMember,
    summary: 'Booked sales ahead, with an interval and how far to trust it',
    description:
      'Booked sales per month and their projection up to `horizon` months (at most 12) by a linear trend with ' +
      'monthly seasonality, with a 95 % prediction interval, and the MAPE of the last six months forecast one month ' +
      'ahead; beside it (`pipeline`), the open deals weighted by win probability per expected close month; for the ' +
      'tenant and per owner (`ownerId` to keep one). Recomputed daily; before the first ' +
      'computation, empty with a message saying how to start one.',
    tags,
    query: ForecastQuery,
    response: { status: 200, schema: SalesForecast },
  }),
  boughtTogether: route({
    operationId: 'getBoughtTogether',
    method: 'GET',
    path: '/v1/products/{id}/bought-together',
    function: fn,
    access: anyMember,
    summary: 'Products bought together with this one',
    description:
      'Association rules X → Y from the orders in the warehouse (mined daily): for each product Y found in orders ' +
      'with this product X, how many orders hold both, support, confidence and lift, strongest lift first. ' +
      'Filter with `minSupport`, `minConfidence`, `minLift`. 404 before the first mining, saying how to start one.',
    tags,
    params: lazy(() => z.object({ id: Id })),
    query: BoughtTogetherQuery,
    response: { status: 200, schema: BoughtTogether },
  }),
  createModel: route({
    operationId: 'createPropensityModel',
    method: 'POST',
    path: '/v1/models',
    references: { productId: 'product' },
    function: fn,
    access: adminOnly,
    summary: 'Define a propensity model: a product, a category, or churn',
    description:
      'The model is fitted by the next analysis run (daily, or `POST /v1/analytics/runs` with `models`) on the ' +
      'warehouse: who bought the product (or a product of the category) within `horizonDays`, or, for `churn`, which ' +
      'customers bought nothing within it, from what they had done before. Its scores are written back to contacts as ' +
      '`propensity.<key>`; a churn model also announces `ContactChurnRiskRaised` for automation. A product or ' +
      'category nobody has bought answers 400 naming it.',
    tags,
    body: ModelCreate,
    response: { status: 201, schema: ModelDefinition },
    errors: ['conflict'],
  }),
  getModel: route({
    operationId: 'getPropensityModel',
    method: 'GET',
    path: '/v1/models/{id}',
    function: fn,
    access: anyMember,
    summary: 'A propensity model and how well it predicts',
    description:
      'Its latest training: AUC and a calibration table on held-out contacts, the training size, the date and the ' +
      'strongest features; or, with too little data, the counts and no scores. 404 before its first training, ' +
      'saying how to start one.',
    tags,
    params: lazy(() => z.object({ id: Id })),
    response: { status: 200, schema: Model },
  }),
  listModels: route({
    operationId: 'listPropensityModels',
    method: 'GET',
    path: '/v1/models',
    function: fn,
    access: anyMember,
    summary: 'The propensity models and how well each predicts',
    description:
      'Every model of the tenant (at most 100), oldest first, with its latest training when it has had one.',
    tags,
    response: { status: 200, schema: ModelList },
  }),
  deleteModel: route({
    operationId: 'deletePropensityModel',
    method: 'DELETE',
    path: '/v1/models/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Delete a propensity model and its scores',
    description:
      'The model is no longer fitted, and its scores (`propensity.<key>`) are removed from contacts in the ' +
      'background, after which segments naming them match nobody; its key can be used again once they are gone.',
    tags,
    params: lazy(() => z.object({ id: Id })),
    response: { status: 204 },
  }),
  startAnalysisRun: route({
    operationId: 'startAnalysisRun',
    method: 'POST',
    path: '/v1/analytics/runs',
    function: fn,
    access: adminOnly,
    summary: 'Recompute analyses now',
    description:
      'Queues a recomputation of the analyses named, as the daily schedule does: RFM scores written back to the ' +
      'contacts, bought-together rules. The results replace the latest ones when the run is done.',
    tags,
    body: AnalysisRunRequest,
    response: { status: 202, schema: AnalysisRun },
  }),
};

export const analytics = /* @__PURE__ */ defineModule({
  name: 'analytics',
  tags: {
    Analytics:
      'Customer analytics on the warehouse: RFM segments, basket analysis, written back where marketing and sales act (docs/analytics.md).',
  },
  functions: [
    {
      name: 'analytics-api',
      entry: 'functions/http/analytics.ts',
      description: 'Answers the latest analyses and queues recomputations.',
      permissions: ['table:tenant', 'queues:send'],
      nodeModules: ['echarts'],
    },
    {
      name: 'analytics-jobs',
      entry: 'functions/jobs/analytics.ts',
      description: "Recomputes a tenant's analyses on the warehouse and writes their results back.",
      permissions: ['table:write', 'warehouse:query'],
      timeoutSeconds: 900,
      memoryMb: 2048,
      nodeModules: ['ml-logistic-regression', 'ml-matrix', 'simple-statistics'],
    },
    {
      name: 'analytics-runs',
      entry: 'functions/workers/analytics-runs.ts',
      description: 'Recomputes the analyses a member asked for now, and removes a deleted model’s scores.',
      permissions: ['table:write', 'warehouse:query'],
      timeoutSeconds: 900,
      memoryMb: 2048,
      nodeModules: ['ml-logistic-regression', 'ml-matrix', 'simple-statistics'],
    },
  ],
  routes: analyticsRoutes,
  schedules: [
    {
      name: 'analytics-daily',
      description:
        "Daily at the tenant's job hour, in its time zone: RFM scores and segments, bought-together rules, the sales forecast, propensity models.",
      target: 'analytics-jobs',
      kind: 'per-tenant',
      expression: 'cron(30 {dailyJobHour} * * ? *)',
    },
  ],
  queues: [
    {
      name: 'analytics-runs',
      description: 'Recomputations of analyses a member asked for, one message per request.',
      consumer: 'analytics-runs',
      batchSize: 1,
      visibilityTimeoutSeconds: 900,
      maxReceiveCount: 3,
      maxConcurrency: 2,
    },
  ],
});
