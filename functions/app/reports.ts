import * as z from 'zod/mini';
import { anyMember, customerFacing } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, named, PageQuery, page } from '../../shared/platform/schema.ts';
import {
  CustomReport,
  CustomReportCreate,
  CustomReportRunQuery,
  CustomReportUpdate,
  ReportAnswer,
  ReportList,
  ReportSchedule,
  ReportScheduleCreate,
  ReportScheduleUpdate,
  reportQuery,
} from '../../shared/reports/schema.ts';
import { STANDARD_REPORTS } from '../../shared/reports/standard.ts';
import { defineModule } from './types.ts';

const fn = 'reports-api';
const tags = ['Reports'];
const customTags = ['Custom reports'];
const scheduleTags = ['Report schedules'];
const ById = lazy(() => z.object({ id: Id }));
const REPRESENTATIONS = ['text/csv', 'image/svg+xml'] as const;
const answerDescription =
  'The report as JSON; as CSV with `Accept: text/csv`; as an SVG chart with `Accept: image/svg+xml`. ' +
  'When the warehouse takes long, 202 with `Location` (GET it until it answers 200).';

/** One route per standard report: its own filters and groupings, unknown parameters refused. */
const standardRoutes = Object.fromEntries(
  STANDARD_REPORTS.map((report) => [
    `report:${report.id}`,
    route({
      operationId: `getReport${report.id
        .split('-')
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join('')}`,
      method: 'GET',
      path: `/v1/reports/${report.id}`,
      function: fn,
      access: anyMember,
      summary: report.title,
      description:
        `${report.description} Period: \`from\`, \`to\` (local days, included), \`grain\`; \`compare=previous\` adds the ` +
        `period just before. Filters: ${report.filters.map((f) => `\`${f}\``).join(', ')}.` +
        (report.by ? ` \`by\`: ${report.by.map((b) => `\`${b}\``).join(', ')}.` : ''),
      tags,
      query: reportQuery(report),
      response: {
        status: 200,
        schema: ReportAnswer,
        alternatives: REPRESENTATIONS,
        description: answerDescription,
      },
    }),
  ]),
);

export const reportRoutes = {
  listReports: route({
    operationId: 'listReports',
    method: 'GET',
    path: '/v1/reports',
    function: fn,
    access: anyMember,
    summary: 'List the standard reports',
    tags,
    response: { status: 200, schema: ReportList },
  }),
  ...standardRoutes,
  reportRun: route({
    operationId: 'getReportRun',
    method: 'GET',
    path: '/v1/reports/runs/{id}',
    function: fn,
    access: anyMember,
    summary: 'The result of a report that took long',
    description:
      '202 while the warehouse still works on it, then the report (in the representation `Accept` asks for).',
    tags,
    params: ById,
    response: {
      status: 200,
      schema: ReportAnswer,
      alternatives: REPRESENTATIONS,
      description: answerDescription,
    },
  }),
  createCustomReport: route({
    operationId: 'createCustomReport',
    method: 'POST',
    path: '/v1/reports/custom',
    function: fn,
    access: customerFacing,
    summary: 'Save a custom report',
    description:
      'A dataset, its measures and dimensions, filters, an optional grain, sort and limit (GET /v1/reports/custom/datasets ' +
      'lists what each dataset offers). An unknown name is a 400 at its path. `visibility: tenant` shares it with every member.',
    tags: customTags,
    body: CustomReportCreate,
    response: { status: 201, schema: CustomReport },
    versioned: true,
  }),
  listCustomReports: route({
    operationId: 'listCustomReports',
    method: 'GET',
    path: '/v1/reports/custom',
    function: fn,
    access: anyMember,
    summary: 'List the custom reports the caller may run: their own and the shared ones',
    tags: customTags,
    query: PageQuery,
    response: { status: 200, schema: page('CustomReportPage', CustomReport) },
  }),
  customDatasets: route({
    operationId: 'listCustomReportDatasets',
    method: 'GET',
    path: '/v1/reports/custom/datasets',
    function: fn,
    access: anyMember,
    summary: 'What custom reports can be made of: datasets, their measures and dimensions',
    tags: customTags,
    response: {
      status: 200,
      schema: named(
        'CustomReportDatasets',
        lazy(() =>
          z.object({
            items: z.array(
              z.object({
                id: z.string(),
                description: z.string(),
                measures: z.array(z.object({ name: z.string(), label: z.string(), unit: z.string() })),
                dimensions: z.array(z.object({ name: z.string(), label: z.string() })),
              }),
            ),
          }),
        ),
      ),
    },
  }),
  getCustomReport: route({
    operationId: 'getCustomReport',
    method: 'GET',
    path: '/v1/reports/custom/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a custom report',
    tags: customTags,
    params: ById,
    response: { status: 200, schema: CustomReport },
    versioned: true,
  }),
  updateCustomReport: route({
    operationId: 'updateCustomReport',
    method: 'PATCH',
    path: '/v1/reports/custom/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Change a custom report (its owner or an admin)',
    tags: customTags,
    params: ById,
    body: CustomReportUpdate,
    response: { status: 200, schema: CustomReport },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  deleteCustomReport: route({
    operationId: 'deleteCustomReport',
    method: 'DELETE',
    path: '/v1/reports/custom/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Delete a custom report (its owner or an admin)',
    tags: customTags,
    params: ById,
    response: { status: 204 },
  }),
  runCustomReport: route({
    operationId: 'runCustomReport',
    method: 'GET',
    path: '/v1/reports/custom/{id}/results',
    function: fn,
    access: anyMember,
    summary: 'Run a custom report',
    description: `Over \`from\` to \`to\` (local days, included; the last twelve months by default). ${answerDescription}`,
    tags: customTags,
    params: ById,
    query: CustomReportRunQuery,
    response: {
      status: 200,
      schema: ReportAnswer,
      alternatives: REPRESENTATIONS,
      description: answerDescription,
    },
  }),
  createReportSchedule: route({
    operationId: 'createReportSchedule',
    method: 'POST',
    path: '/v1/report-schedules',
    function: fn,
    access: customerFacing,
    summary: 'Mail a report to members on a recurrence',
    description:
      'A standard or custom report, the period each mailing covers (`previous-month`...), an RRULE in the tenant’s time ' +
      'zone and the members who receive it: an HTML email with the chart, the CSV attached, once per occurrence.',
    tags: scheduleTags,
    body: ReportScheduleCreate,
    response: { status: 201, schema: ReportSchedule },
    versioned: true,
  }),
  listReportSchedules: route({
    operationId: 'listReportSchedules',
    method: 'GET',
    path: '/v1/report-schedules',
    function: fn,
    access: anyMember,
    summary: 'List report schedules',
    tags: scheduleTags,
    query: PageQuery,
    response: { status: 200, schema: page('ReportSchedulePage', ReportSchedule) },
  }),
  getReportSchedule: route({
    operationId: 'getReportSchedule',
    method: 'GET',
    path: '/v1/report-schedules/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a report schedule',
    tags: scheduleTags,
    params: ById,
    response: { status: 200, schema: ReportSchedule },
    versioned: true,
  }),
  updateReportSchedule: route({
    operationId: 'updateReportSchedule',
    method: 'PATCH',
    path: '/v1/report-schedules/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Change, pause or resume a report schedule',
    tags: scheduleTags,
    params: ById,
    body: ReportScheduleUpdate,
    response: { status: 200, schema: ReportSchedule },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  deleteReportSchedule: route({
    operationId: 'deleteReportSchedule',
    method: 'DELETE',
    path: '/v1/report-schedules/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Delete a report schedule',
    tags: scheduleTags,
    params: ById,
    response: { status: 204 },
  }),
};

export const reports = /* @__PURE__ */ defineModule({
  name: 'reports',
  tags: {
    Reports:
      'Standard reports on the warehouse: sales, funnel, activity, marketing, receivables (docs/analytics.md).',
    'Custom reports':
      'Saved report definitions on the warehouse’s datasets, private or shared in the tenant.',
    'Report schedules': 'Reports mailed to members on a recurrence.',
  },
  functions: [
    {
      name: 'reports-api',
      entry: 'functions/http/reports.ts',
      description: 'Standard and custom reports, runs, schedules over HTTP.',
      permissions: ['table:tenant', 'warehouse:query'],
      timeoutSeconds: 20,
      memoryMb: 1024,
      nodeModules: ['echarts'],
    },
    {
      name: 'reports-timers',
      entry: 'functions/events/report-timers.ts',
      description: "Keeps the one-time schedule of each report schedule's next occurrence.",
      permissions: ['schedules:manage'],
    },
    {
      name: 'reports-mailer',
      entry: 'functions/jobs/report-mailings.ts',
      description: 'Mails one occurrence of a report schedule to its members, once each.',
      permissions: ['table:write', 'warehouse:query', 'mail:send'],
      timeoutSeconds: 600,
      memoryMb: 1024,
      nodeModules: ['echarts'],
    },
  ],
  routes: reportRoutes,
  rules: [
    {
      name: 'report-timers',
      description: "A report schedule's next occurrence changed: move its one-time schedule.",
      bus: 'domain',
      pattern: { source: ['funnel.reports'], 'detail-type': ['ReportScheduleSaved'] },
      target: 'reports-timers',
    },
  ],
  schedules: [
    {
      name: 'report-mailing',
      description: 'Mails one occurrence of a report schedule (one schedule per pending occurrence).',
      target: 'reports-mailer',
      kind: 'one-time',
    },
  ],
});
