import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { localDate } from '../platform/time.ts';
import { analyticsKeys } from './keys.ts';
import { getPipelineForecast, runPipelineForecast } from './pipeline.ts';
import type { ForecastQuery, SalesForecast, SeriesForecast } from './schema.ts';
import { compiler, num, rowsOf, tenantSettings } from './warehouse.ts';

/**
 * Sales forecast (docs/analytics.md, "Sales forecast"): booked sales per month (orders not
 * cancelled, tenant currency, tenant time zone), projected by a linear trend plus monthly
 * seasonality, fitted by least squares (simple-statistics); a 95 % prediction interval from the
 * residuals; MAPE of one-month-ahead forecasts over the last six months, each fitted only on the
 * months before it. For the tenant and per owner.
 */
export const MAX_HORIZON = 12;
const HISTORY_MONTHS = 36;
const MIN_MONTHS = 3;
const BACKTEST_MONTHS = 6;
const MAX_OWNERS = 50;

/** `yyyy-mm` + k months. */
const addMonths = (month: string, k: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + k, 1));
  return d.toISOString().slice(0, 7);
};

type Stats = typeof import('simple-statistics');

interface Fit {
  predict(t: number, month: string): { value: number; halfWidth: number };
}

/** Trend + seasonality (seasonal only with two full years, so each month's index rests on two or more points). */
function fitSeries(stats: Stats, months: string[], values: number[]): Fit {
  const n = values.length;
  const line = stats.linearRegressionLine(stats.linearRegression(values.map((v, t) => [t, v])));
  const trendResiduals = values.map((v, t) => v - line(t));
  const seasonal = new Map<string, number>();
  if (n >= 24) {
    const byMonth = new Map<string, number[]>();
    months.forEach((month, t) => {
      const key = month.slice(5);
      byMonth.set(key, [...(byMonth.get(key) ?? []), trendResiduals[t]!]);
    });
    for (const [key, residuals] of byMonth) seasonal.set(key, stats.mean(residuals));
  }
  const residuals = values.map((v, t) => v - line(t) - (seasonal.get(months[t]!.slice(5)) ?? 0));
  const parameters = 2 + seasonal.size;
  const sigma = n > parameters ? Math.sqrt(stats.sum(residuals.map((r) => r * r)) / (n - parameters)) : 0;
  const meanT = (n - 1) / 2;
  const sxx = stats.sum(values.map((_, t) => (t - meanT) ** 2));
  const z = stats.probit(0.975);
  return {
    predict: (t, month) => ({
      value: line(t) + (seasonal.get(month.slice(5)) ?? 0),
      halfWidth: z * sigma * Math.sqrt(1 + 1 / n + (sxx ? (t - meanT) ** 2 / sxx : 0)),
    }),
  };
}

function forecastSeries(stats: Stats, months: string[], values: number[], next: string): SeriesForecast {
  const history = months.map((month, i) => ({ month, booked: values[i]! }));
  if (values.length < MIN_MONTHS)
    return {
      history,
      projection: [],
      backtest: [],
      message: `At least ${MIN_MONTHS} months of history are needed.`,
    };
  const fit = fitSeries(stats, months, values);
  const projection = Array.from({ length: MAX_HORIZON }, (_, k) => {
    const month = addMonths(next, k);
    const { value, halfWidth } = fit.predict(values.length + k, month);
    return {
      month,
      forecast: Math.round(Math.max(0, value)),
      lower: Math.round(Math.max(0, value - halfWidth)),
      upper: Math.round(Math.max(0, value + halfWidth)),
    };
  });
  const backtest = [];
  for (let i = Math.max(MIN_MONTHS, values.length - BACKTEST_MONTHS); i < values.length; i++) {
    const before = fitSeries(stats, months.slice(0, i), values.slice(0, i));
    backtest.push({
      month: months[i]!,
      actual: values[i]!,
      forecast: Math.round(Math.max(0, before.predict(i, months[i]!).value)),
    });
  }
  const errors = backtest.filter((b) => b.actual > 0).map((b) => Math.abs(b.actual - b.forecast) / b.actual);
  return {
    history,
    projection,
    backtest,
    ...(errors.length ? { mape: Math.round(stats.mean(errors) * 10_000) / 10_000 } : {}),
  };
}

export async function runForecast(
  ctx: TenantContext,
): Promise<{ months: number; owners: number; openDeals: number }> {
  const { timeZone, currency } = await tenantSettings(ctx);
  const { deals: openDeals } = await runPipelineForecast(ctx, { timeZone, currency });
  const now = ctx.clock.now();
  const thisMonth = localDate(now, timeZone).slice(0, 7);
  const first = addMonths(thisMonth, -HISTORY_MONTHS);
  const sql = compiler();
  // A month or two of slack on each side of the UTC instants: the months are the tenant's.
  const from = new Date(`${addMonths(first, -1)}-01T00:00:00Z`);
  const placed = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderPlaced'],
    columns: ['order_id', 'owner_id', 'amount', 'currency'],
    from,
    to: now,
    where: [{ column: 'currency', value: currency }],
  });
  const cancelled = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderCancelled'],
    columns: ['order_id'],
    from,
    to: now,
  });
  const rows = await rowsOf(
    sql,
    `WITH placed AS (${placed}), cancelled AS (${cancelled})
     SELECT ${sql.bucket(sql.local('p.occurred_at', timeZone), 'month')} AS month, p.owner_id, sum(p.amount) AS booked
     FROM placed AS p LEFT JOIN cancelled AS c ON c.order_id = p.order_id
     WHERE c.order_id IS NULL
     GROUP BY 1, 2`,
  );
  const series = new Map<string, Map<string, number>>();
  const add = (key: string, month: string, amount: number) => {
    const byMonth = series.get(key) ?? new Map<string, number>();
    byMonth.set(month, (byMonth.get(month) ?? 0) + amount);
    series.set(key, byMonth);
  };
  let start: string | undefined;
  for (const row of rows) {
    const month = String(row.month).slice(0, 7);
    if (month < first || month >= thisMonth) continue;
    add('', month, num(row.booked));
    if (row.owner_id !== null) add(String(row.owner_id), month, num(row.booked));
    if (!start || month < start) start = month;
  }
  const months: string[] = [];
  for (let m = start ?? thisMonth; m < thisMonth; m = addMonths(m, 1)) months.push(m);
  const stats = await import('simple-statistics');
  const valuesOf = (key: string) => months.map((m) => series.get(key)?.get(m) ?? 0);
  const owners = [...series.keys()]
    .filter((key) => key !== '')
    .sort((a, b) => valuesOf(b).reduce((x, y) => x + y, 0) - valuesOf(a).reduce((x, y) => x + y, 0))
    .slice(0, MAX_OWNERS);
  const forecast: SalesForecast = {
    computedAt: now.toISOString(),
    currency,
    tenant: forecastSeries(stats, months, valuesOf(''), thisMonth),
    owners: owners.map((ownerId) => ({
      ownerId,
      ...forecastSeries(stats, months, valuesOf(ownerId), thisMonth),
    })),
  };
  await unitOfWork(ctx)
    .put({ ...analyticsKeys.forecast(ctx.tenantId), entity: 'SalesForecast', ...forecast })
    .commit();
  return { months: months.length, owners: owners.length, openDeals };
}

/** The latest forecast, cut to the horizon asked for, for the tenant or one owner. */
export async function getForecast(ctx: TenantContext, query: ForecastQuery): Promise<SalesForecast> {
  const item = await getItem(ctx, analyticsKeys.forecast(ctx.tenantId));
  if (!item)
    return {
      message:
        'No sales forecast has been computed yet. It runs daily; POST /v1/analytics/runs with {"analyses":["forecast"]} starts one now.',
      currency: (await tenantSettings(ctx)).currency,
      tenant: { history: [], projection: [], backtest: [] },
      owners: [],
    };
  const forecast = withoutKeys<SalesForecast>(item);
  const pipeline = await getPipelineForecast(ctx);
  const cut = (s: SeriesForecast): SeriesForecast => ({
    ...s,
    projection: s.projection.slice(0, query.horizon),
  });
  return {
    ...forecast,
    tenant: cut(forecast.tenant),
    owners: forecast.owners
      .filter((o) => !query.ownerId || o.ownerId === query.ownerId)
      .map((o) => ({ ...o, ...cut(o) })),
    ...(pipeline
      ? {
          pipeline: {
            ...pipeline,
            owners: pipeline.owners.filter((o) => !query.ownerId || o.ownerId === query.ownerId),
          },
        }
      : {}),
  };
}
