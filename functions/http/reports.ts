import * as z from 'zod/mini';
import { readEnv } from '../../shared/platform/config.ts';
import { httpHandler, noContent, type Operations, reply } from '../../shared/platform/http/handler.ts';
import { preferredType } from '../../shared/platform/http/negotiate.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { toCsv, toSvg } from '../../shared/reports/render.ts';
import {
  type Answer,
  answerReport,
  type ReportDescription,
  reportRun,
} from '../../shared/reports/reports.ts';
import type { ReportQuery } from '../../shared/reports/schema.ts';
import { STANDARD_REPORTS } from '../../shared/reports/standard.ts';
import { reportRoutes } from '../app/reports.ts';

/**
 * How long a request waits for the warehouse before answering 202 with a run to poll (Athena
 * queries can take seconds; API Gateway stops waiting at 30).
 */
const env = readEnv({
  REPORT_WAIT_MS: lazy(() => z._default(z.coerce.number().check(z.int(), z.minimum(0)), 8000)),
});

/** What a report answers, by the media type `Accept` prefers; JSON when it names none of them. */
const REPRESENTATIONS = {
  'application/json': 'json',
  'text/csv': 'csv',
  'image/svg+xml': 'svg',
} as const;
const representation = (accept: string | undefined) =>
  REPRESENTATIONS[preferredType(accept, ['application/json', 'text/csv', 'image/svg+xml'])];

async function respond(
  answer: Answer & { plan?: { chart: { type: 'line' | 'bar'; series: string[] } } },
  accept?: string,
) {
  if (answer.kind === 'pending') {
    const location = `/v1/reports/runs/${answer.runId}`;
    return reply(
      { runId: answer.runId, status: 'running' as const, location },
      { status: 202, headers: { location, 'retry-after': '2' } },
    );
  }
  const { result } = answer;
  switch (representation(accept)) {
    case 'csv':
      return reply(await toCsv(result), {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${result.report}-${result.period.from}-${result.period.to}.csv"`,
        },
      });
    case 'svg': {
      const chart = answer.plan?.chart ?? { type: 'bar' as const, series: [] };
      return reply(await toSvg({ ...result, type: chart.type, series: chart.series }), {
        headers: { 'content-type': 'image/svg+xml' },
      });
    }
    default:
      return result;
  }
}

const fresh = (headers: Record<string, string | undefined>) =>
  /no-cache/i.test(headers['cache-control'] ?? '');

/** `Prefer: respond-async` (RFC 7240) answers 202 at once; `Prefer: wait=<seconds>` waits at most that. */
function waitFor(headers: Record<string, string | undefined>): number {
  const prefer = headers.prefer ?? '';
  if (/respond-async/i.test(prefer)) return 0;
  const wait = /wait=(\d+)/i.exec(prefer)?.[1];
  return wait === undefined ? env.REPORT_WAIT_MS : Math.min(env.REPORT_WAIT_MS, Number(wait) * 1000);
}

const standardOperations = Object.fromEntries(
  STANDARD_REPORTS.map((report) => [
    `report:${report.id}`,
    async ({
      ctx,
      query,
      headers,
    }: {
      ctx: Parameters<typeof answerReport>[0];
      query: ReportQuery;
      headers: Record<string, string | undefined>;
    }) => {
      const description: ReportDescription = { kind: 'standard', report: report.id, query };
      return respond(
        await answerReport(ctx, description, { waitMs: waitFor(headers), fresh: fresh(headers) }),
        headers.accept,
      );
    },
  ]),
);

/**
 * Custom reports (with their datasets) and schedules load on their own routes: a cold start that
 * answers a standard report does not load them.
 */
const custom = () => import('../../shared/reports/custom.ts');
const schedules = () => import('../../shared/reports/schedules.ts');

const operations = {
  ...standardOperations,
  listReports: async () => ({
    items: STANDARD_REPORTS.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      path: `/v1/reports/${r.id}`,
      filters: [...r.filters],
      ...(r.by ? { by: [...r.by] } : {}),
    })),
  }),
  reportRun: async ({ ctx, params, headers }) => respond(await reportRun(ctx, params.id), headers.accept),
  createCustomReport: async ({ ctx, body }) => (await custom()).createCustomReport(ctx, body),
  listCustomReports: async ({ ctx, query }) => (await custom()).listCustomReports(ctx, query),
  customDatasets: async () => (await custom()).datasetCatalog(),
  getCustomReport: async ({ ctx, params }) => (await custom()).getCustomReport(ctx, params.id),
  updateCustomReport: async ({ ctx, params, body, ifMatch }) =>
    (await custom()).updateCustomReport(ctx, params.id, body, ifMatch),
  deleteCustomReport: async ({ ctx, params }) => {
    await (await custom()).deleteCustomReport(ctx, params.id);
    return noContent();
  },
  runCustomReport: async ({ ctx, params, query, headers }) => {
    const report = await (await custom()).getCustomReport(ctx, params.id);
    const description: ReportDescription = {
      kind: 'custom',
      customReportId: report.id,
      definition: report,
      query,
    };
    return respond(
      await answerReport(ctx, description, { waitMs: waitFor(headers), fresh: fresh(headers) }),
      headers.accept,
    );
  },
  createReportSchedule: async ({ ctx, body }) => (await schedules()).createReportSchedule(ctx, body),
  listReportSchedules: async ({ ctx, query }) => (await schedules()).listReportSchedules(ctx, query),
  getReportSchedule: async ({ ctx, params }) => (await schedules()).getReportSchedule(ctx, params.id),
  updateReportSchedule: async ({ ctx, params, body, ifMatch }) =>
    (await schedules()).updateReportSchedule(ctx, params.id, body, ifMatch),
  deleteReportSchedule: async ({ ctx, params }) => {
    await (await schedules()).deleteReportSchedule(ctx, params.id);
    return noContent();
  },
} satisfies Partial<Operations<typeof reportRoutes>>;

export const handler = httpHandler(reportRoutes, operations as unknown as Operations<typeof reportRoutes>);
