import { createHash } from 'node:crypto';
import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { toFieldIssues } from '../platform/schema.ts';
import { localDate } from '../platform/time.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import {
  type QueryResult,
  queryResult,
  queryState,
  runQuery,
  sqlDialect,
  warehouseDatabase,
} from '../warehouse/query.ts';
import { warehouseStatus } from '../warehouse/state.ts';
import type { CustomDefinition } from './datasets.ts';
import { reportKeys } from './keys.ts';
import { labelsFor } from './labels.ts';
import {
  addGrain,
  defaultPeriod,
  type Period,
  previousPeriod,
  type ResolvedPeriod,
  resolvePeriod,
  truncate,
} from './period.ts';
import { type ReportQuery, type ReportResult, reportQuery } from './schema.ts';
import { type Query, Sql } from './sql.ts';
import { shapeFunnel } from './standard/parts.ts';
import {
  type ChartSpec,
  type Filters,
  type ReportColumn,
  type ReportInput,
  type Row,
  standardReport,
  standardReportEntry,
} from './standard.ts';

/**
 * Answering a report: resolve the period in the tenant's time zone, compile (sql.ts), look for a
 * cached result computed from the same facts, else run the query (and the previous period's, to
 * compare) through Athena. A result that is not there within `waitMs` becomes a run to poll
 * (202 with its location); the run keeps what it needs to finish the answer later.
 *
 * Results are cached per tenant and exact parameters until the tenant's facts version moves
 * (a new Parquet object of theirs landed: shared/warehouse/state.ts).
 */
export type ReportDescription =
  | { kind: 'standard'; report: string; query: ReportQuery }
  | {
      kind: 'custom';
      customReportId: string;
      definition: CustomDefinition & { currency?: string | undefined };
      query: ReportQuery;
    };

export type Answer = { kind: 'result'; result: ReportResult } | { kind: 'pending'; runId: string };

export interface AnswerOptions {
  /** How long to wait for the warehouse before answering 202. */
  waitMs: number;
  /** Compute again even when a result of the same facts is cached (`Cache-Control: no-cache`). */
  fresh?: boolean;
}

interface Plan {
  description: ReportDescription;
  title: string;
  columns: ReportColumn[];
  input: ReportInput;
  current: Query;
  previous?: { period: Period; query: Query; input: ReportInput };
  chart: ChartSpec;
  shape(rows: Row[], input: ReportInput): Row[];
}

const CACHE_DAYS = 7;
const RUN_DAYS = 1;
/** DynamoDB items hold 400 KB; larger results are computed each time. */
const CACHEABLE_BYTES = 350_000;

async function tenantSettings(ctx: TenantContext): Promise<{ timeZone: string; currency: string }> {
  const tenant = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId));
  if (!tenant) throw new NotFoundError('Tenant', ctx.tenantId);
  return { timeZone: String(tenant.timeZone), currency: String(tenant.currency) };
}

/**
 * The period a query asks for: by default the twelve months up to today, by month (or the
 * report's own grain); `to` alone ends those twelve months there instead. `grain` overrides the
 * query's (a custom report's definition names its own).
 */
function periodOf(
  query: ReportQuery,
  timeZone: string,
  now: Date,
  grain: { fixed?: Period['grain']; fallback?: Period['grain'] } = {},
): ResolvedPeriod {
  const defaults = defaultPeriod(now, timeZone);
  return resolvePeriod({
    from: query.from ?? (query.to ? addGrain(truncate(query.to, 'month'), 'month', -11) : defaults.from),
    to: query.to ?? defaults.to,
    grain: grain.fixed ?? query.grain ?? grain.fallback ?? defaults.grain,
    timeZone,
  });
}

export async function planReport(ctx: TenantContext, description: ReportDescription): Promise<Plan> {
  const settings = await tenantSettings(ctx);
  const now = ctx.clock.now();
  const sqlFor = () => new Sql(sqlDialect, warehouseDatabase);
  if (description.kind === 'standard') {
    const report = await standardReport(description.report);
    if (!report) throw new NotFoundError('Report', description.report);
    const { query } = description;
    const filters: Filters = Object.fromEntries(
      report.filters.filter((f) => query[f] !== undefined).map((f) => [f, query[f]!]),
    );
    const inputFor = (period: ResolvedPeriod): ReportInput => ({
      tenantId: ctx.tenantId,
      period,
      filters,
      currency: filters.currency ?? settings.currency,
      ...(report.by ? { by: query.by ?? report.by[0]! } : {}),
      now,
    });
    const input = inputFor(periodOf(query, settings.timeZone, now, { fallback: report.grain }));
    const previous = query.compare === 'previous' ? previousPeriod(input.period) : undefined;
    const previousInput = previous ? inputFor(resolvePeriod(previous)) : undefined;
    return {
      description,
      title: report.title,
      columns: report.columns(input),
      input,
      current: report.compile(sqlFor(), input),
      ...(previous && previousInput
        ? {
            previous: {
              period: previous,
              input: previousInput,
              query: report.compile(sqlFor(), previousInput),
            },
          }
        : {}),
      chart: report.chart,
      shape: (rows, i) => report.shape(rows, i),
    };
  }
  const { definition, query } = description;
  // Custom reports' datasets load on the first custom report, not at every cold start.
  const { checkDefinition, compileCustom, customColumns, customRows } = await import('./datasets.ts');
  const dataset = checkDefinition(definition, 'definition');
  const currency = definition.currency ?? settings.currency;
  const inputFor = (period: ResolvedPeriod): ReportInput => ({
    tenantId: ctx.tenantId,
    period,
    filters: {},
    currency,
    now,
  });
  const input = inputFor(periodOf(query, settings.timeZone, now, { fixed: definition.grain ?? 'month' }));
  const previous = query.compare === 'previous' ? previousPeriod(input.period) : undefined;
  const compile = (i: ReportInput) =>
    compileCustom(sqlFor(), definition, { tenantId: ctx.tenantId, period: i.period, currency });
  const previousInput = previous ? inputFor(resolvePeriod(previous)) : undefined;
  const columns = customColumns(definition, dataset);
  return {
    description,
    title: definition.name,
    columns,
    input,
    current: compile(input),
    ...(previous && previousInput
      ? { previous: { period: previous, input: previousInput, query: compile(previousInput) } }
      : {}),
    chart: {
      type: definition.grain ? 'line' : 'bar',
      series: definition.measures,
    },
    shape: (rows) => customRows(definition, dataset, rows) as Row[],
  };
}

/**
 * What a cached result answers: the report and everything it was resolved to (the period in the
 * tenant's time zone, the comparison period, the currency, filters and grouping), so that a
 * changed time zone or currency, or a default period that has moved on, is computed afresh. A
 * period still running is "as of" today (receivables age, workloads fall due), so its result
 * holds for the tenant's day at most.
 */
function cacheKey(ctx: TenantContext, plan: Plan): string {
  const { description, input } = plan;
  const { period, now } = input;
  const periodKey = (p: Period) => ({ from: p.from, to: p.to, grain: p.grain, timeZone: p.timeZone });
  const running = period.endsAt.getTime() > now.getTime();
  const identity = {
    tenant: ctx.tenantId,
    dialect: sqlDialect,
    report:
      description.kind === 'standard'
        ? description.report
        : { custom: description.customReportId, definition: description.definition },
    period: periodKey(period),
    previous: plan.previous ? periodKey(plan.previous.period) : null,
    currency: input.currency,
    filters: sortedObject(input.filters),
    by: input.by ?? null,
    asOf: running ? localDate(now, period.timeZone) : null,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('base64url');
}

function sortedObject(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function finish(
  ctx: TenantContext,
  plan: Plan,
  results: { current: QueryResult; previous?: QueryResult | undefined },
  factsVersion: number,
): Promise<ReportResult> {
  const isFunnel = plan.description.kind === 'standard' && plan.description.report === 'funnel';
  const pipelines = isFunnel
    ? [
        ...new Set(
          [...results.current.rows, ...(results.previous?.rows ?? [])].map((r) => String(r.pipeline_id)),
        ),
      ]
    : [];
  const shapeWith = async (
    rows: Row[],
    input: ReportInput,
    stages: Awaited<ReturnType<typeof labelsFor>>['pipelines'],
  ) => (isFunnel ? shapeFunnel(rows, input, stages) : plan.shape(rows, input));
  const firstPass = await labelsFor(ctx, [], pipelines);
  const rows = await shapeWith(results.current.rows as Row[], plan.input, firstPass.pipelines);
  const previousRows =
    plan.previous && results.previous
      ? await shapeWith(results.previous.rows as Row[], plan.previous.input, firstPass.pipelines)
      : undefined;
  const { labels } = await labelsFor(ctx, [...rows, ...(previousRows ?? [])], pipelines);
  const { period } = plan.input;
  return {
    report: plan.description.kind === 'standard' ? plan.description.report : plan.description.customReportId,
    title: plan.title,
    period: { from: period.from, to: period.to, grain: period.grain, timeZone: period.timeZone },
    currency: plan.input.currency,
    ...(plan.input.by ? { by: plan.input.by } : {}),
    filters: Object.fromEntries(
      Object.entries(plan.input.filters).filter(([, v]) => v !== undefined),
    ) as Record<string, string>,
    columns: plan.columns,
    rows: rows as ReportResult['rows'],
    labels,
    ...(plan.previous && previousRows
      ? {
          previous: {
            period: {
              from: plan.previous.period.from,
              to: plan.previous.period.to,
              grain: plan.previous.period.grain,
              timeZone: plan.previous.period.timeZone,
            },
            rows: previousRows as ReportResult['rows'],
          },
        }
      : {}),
    factsVersion,
    computedAt: ctx.clock.now().toISOString(),
  };
}

async function cache(ctx: TenantContext, key: string, result: ReportResult): Promise<void> {
  const body = JSON.stringify(result);
  if (Buffer.byteLength(body) > CACHEABLE_BYTES) return;
  await unitOfWork(ctx)
    .put({
      ...reportKeys.cached(ctx.tenantId, key),
      entity: 'ReportResult',
      factsVersion: result.factsVersion,
      result: body,
      expiresAt: Math.floor(ctx.clock.now().getTime() / 1000) + CACHE_DAYS * 86_400,
    })
    .commit();
}

/** The report's result, from the cache when the tenant's facts have not moved since; or a run to poll. */
export async function answerReport(
  ctx: TenantContext,
  description: ReportDescription,
  options: AnswerOptions,
): Promise<Answer & { plan?: Plan }> {
  const plan = await planReport(ctx, description);
  const { factsVersion } = await warehouseStatus(ctx);
  const key = cacheKey(ctx, plan);
  if (!options.fresh) {
    const cached = await getItem(ctx, reportKeys.cached(ctx.tenantId, key));
    if (cached && cached.factsVersion === factsVersion)
      return { kind: 'result', result: JSON.parse(String(cached.result)) as ReportResult, plan };
  }
  const [current, previous] = await Promise.all([
    runQuery(plan.current.sql, plan.current.parameters, options),
    plan.previous ? runQuery(plan.previous.query.sql, plan.previous.query.parameters, options) : undefined,
  ]);
  if (current.done && (!previous || previous.done)) {
    const result = await finish(
      ctx,
      plan,
      { current: current.result, previous: previous?.done ? previous.result : undefined },
      factsVersion,
    );
    await cache(ctx, key, result);
    return { kind: 'result', result, plan };
  }
  const runId = newId();
  await unitOfWork(ctx)
    .put({
      ...reportKeys.run(ctx.tenantId, runId),
      entity: 'ReportRun',
      id: runId,
      description: JSON.stringify(description),
      queries: JSON.stringify({
        current: current.done ? { result: current.result } : { id: current.queryId },
        ...(previous
          ? { previous: previous.done ? { result: previous.result } : { id: previous.queryId } }
          : {}),
      }),
      factsVersion,
      cacheKey: key,
      createdAt: ctx.clock.now().toISOString(),
      expiresAt: Math.floor(ctx.clock.now().getTime() / 1000) + RUN_DAYS * 86_400,
    })
    .commit();
  return { kind: 'pending', runId, plan };
}

type StoredQuery = { id: string } | { result: QueryResult };

async function settled(query: StoredQuery | undefined): Promise<QueryResult | 'running' | undefined> {
  if (!query) return undefined;
  if ('result' in query) return query.result;
  const state = await queryState(query.id);
  if (state.state === 'running') return 'running';
  if (state.state === 'failed') throw new Error(`The report's query failed: ${state.reason}`);
  return queryResult(query.id, state.bytesScanned);
}

/** A run started by answerReport: 202 again while its queries run, then the result (cached). */
export async function reportRun(ctx: TenantContext, runId: string): Promise<Answer & { plan: Plan }> {
  const run = await getItem(ctx, reportKeys.run(ctx.tenantId, runId));
  if (!run) throw new NotFoundError('Report run', runId);
  const description = JSON.parse(String(run.description)) as ReportDescription;
  const queries = JSON.parse(String(run.queries)) as { current: StoredQuery; previous?: StoredQuery };
  const plan = await planReport(ctx, description);
  const [current, previous] = await Promise.all([settled(queries.current), settled(queries.previous)]);
  if (current === 'running' || previous === 'running') return { kind: 'pending', runId, plan };
  const result = await finish(
    ctx,
    plan,
    { current: current!, previous: previous as QueryResult | undefined },
    Number(run.factsVersion),
  );
  await cache(ctx, String(run.cacheKey), result);
  return { kind: 'result', result, plan };
}

/** Parameters of a standard report given as text (a schedule's), checked as the route checks them. */
export function checkStandardParameters(
  report: string,
  parameters: Record<string, string>,
  path: string,
): void {
  const spec = standardReportEntry(report);
  if (!spec) throw ValidationError.field(`${path}.report`, `Unknown report ${report}.`);
  const allowed = new Set<string>([...spec.filters, ...(spec.by ? ['by'] : []), 'grain']);
  for (const name of Object.keys(parameters))
    if (!allowed.has(name))
      throw ValidationError.field(
        `${path}.parameters.${name}`,
        `${report} takes no parameter ${name}; it takes ${[...allowed].join(', ')}.`,
      );
  // Values as the report's own query checks them: a schedule's report must run at every occurrence.
  const checked = reportQuery(spec).safeParse(parameters);
  if (!checked.success) throw new ValidationError(toFieldIssues(checked.error, `${path}.parameters`));
}

export type { Plan };
