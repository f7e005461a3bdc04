import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { orderRows, runAnalyticsDaily, seeded, writeFactRows } from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The sales forecast on a planted series: 30 months (January 2024 to June 2026) of booked sales
 * of 10,000 EUR + 500 EUR a month, with seeded noise of ±300 EUR, booked 60/40 by two owners. The
 * forecast made in July 2026 must hold the planted line (no noise) inside its interval for every
 * month ahead, and its backtest error must be small.
 *
 * Beside it, the weighted pipeline of a handful of open deals in a pipeline whose open stages win
 * 20 % and 60 % of the time, with expected close dates around July 2026: each bucket's weighted
 * value is computed by hand below.
 */
const AS_OF = new Date('2026-07-15T12:00:00Z');
const BASE = 1_000_000;
const SLOPE = 50_000;

let runtime: LocalRuntime;
let a: SignedUpTenant;
const owners = [newId(), newId()];

const runDaily = () => runAnalyticsDaily(runtime.urls.api, a.tenantId, AS_OF);

beforeAll(async () => {
  runtime = await startTestRuntime();
  a = await signUpOverHttp(runtime);
  const { int } = seeded(42);
  const rows = [];
  for (let t = 0; t < 30; t++) {
    const month = new Date(Date.UTC(2024, t, 15, 10));
    const booked = BASE + SLOPE * t + int(-30_000, 30_000);
    const share = Math.round(booked * 0.6);
    for (const [owner, amount] of [
      [owners[0]!, share],
      [owners[1]!, booked - share],
    ] as const)
      rows.push(
        ...orderRows([{ contactId: newId(), at: month, amount }]).map((r) => ({ ...r, owner_id: owner })),
      );
  }
  await writeFactRows(runtime.urls.s3, a.tenantId, rows);

  const pipeline = await a.api.post('/v1/pipelines', {
    name: 'Forecast',
    stages: [
      { name: 'Early', outcome: 'open', probability: 20 },
      { name: 'Late', outcome: 'open', probability: 60 },
      { name: 'Won', outcome: 'won' },
      { name: 'Lost', outcome: 'lost' },
    ],
  });
  expect(pipeline.status, pipeline.text).toBe(201);
  const [early, late, won] = pipeline.body.stages.map((s: { id: string }) => s.id);
  const deal = async (stageId: string, amount: number, expectedCloseDate?: string, currency = 'EUR') => {
    const created = await a.api.post('/v1/deals', {
      name: `Deal ${amount}`,
      pipelineId: pipeline.body.id,
      stageId,
      amount,
      currency,
      ownerId: a.adminId,
      ...(expectedCloseDate ? { expectedCloseDate } : {}),
    });
    expect(created.status, created.text).toBe(201);
  };
  await deal(early, 100_000, '2026-07-20'); // July: 20 % of 1,000 EUR = 200 EUR
  await deal(late, 200_000, '2026-07-31'); // July: 60 % of 2,000 EUR = 1,200 EUR
  await deal(late, 50_000, '2026-09-01'); // September: 300 EUR
  await deal(early, 500_000, '2026-06-30'); // overdue: 1,000 EUR
  await deal(early, 1_000_000, '2027-07-01'); // beyond the twelve months (July 2026 to June 2027)
  await deal(late, 10_000); // no expected close date: 60 EUR
  await deal(late, 999_900, '2026-07-20', 'USD'); // another currency: left out
  await deal(won, 777_700, '2026-07-20'); // won: not open
  await runtime.settle();
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('sales forecast', () => {
  it('is empty, saying how to start one, before the first computation', async () => {
    const response = await a.api.get('/v1/analytics/forecast');
    expect(response.status).toBe(200);
    expect(response.body.message).toContain('POST /v1/analytics/runs');
    expect(response.body.tenant.projection).toEqual([]);
  });

  it('forecasts the planted trend within its interval, with its accuracy', { timeout: 180_000 }, async () => {
    expect((await runDaily()).forecast).toEqual({ months: 30, owners: 2, openDeals: 6 });
    const forecast = (await a.api.get('/v1/analytics/forecast?horizon=6')).body;
    expect(forecast.tenant.history).toHaveLength(30);
    expect(forecast.tenant.history[0].month).toBe('2024-01');
    expect(forecast.tenant.projection.map((p: { month: string }) => p.month)).toEqual([
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
    forecast.tenant.projection.forEach((p: { forecast: number; lower: number; upper: number }, k: number) => {
      const planted = BASE + SLOPE * (30 + k);
      expect(p.lower).toBeLessThanOrEqual(planted);
      expect(p.upper).toBeGreaterThanOrEqual(planted);
      expect(p.lower).toBeLessThan(p.forecast);
      expect(p.upper).toBeGreaterThan(p.forecast);
    });
    expect(forecast.tenant.backtest).toHaveLength(6);
    expect(forecast.tenant.mape).toBeLessThan(0.05);

    // Per owner: the first owner books 60 % of the planted line.
    const first = (await a.api.get(`/v1/analytics/forecast?ownerId=${owners[0]}&horizon=1`)).body;
    expect(first.owners).toHaveLength(1);
    const [next] = first.owners[0].projection;
    expect(next.lower).toBeLessThanOrEqual(0.6 * (BASE + SLOPE * 30) * 1.02);
    expect(next.upper).toBeGreaterThanOrEqual(0.6 * (BASE + SLOPE * 30) * 0.98);
  });

  it('weighs the open pipeline by stage probability per expected close month, beside the projection', async () => {
    const { pipeline } = (await a.api.get('/v1/analytics/forecast')).body;
    expect(pipeline.otherCurrencies).toBe(1);
    expect(pipeline.tenant.months).toEqual([
      { month: '2026-07', deals: 2, amount: 300_000, weighted: 20_000 + 120_000 },
      { month: '2026-09', deals: 1, amount: 50_000, weighted: 30_000 },
    ]);
    expect(pipeline.tenant.overdue).toEqual({ deals: 1, amount: 500_000, weighted: 100_000 });
    expect(pipeline.tenant.later).toEqual({ deals: 1, amount: 1_000_000, weighted: 200_000 });
    expect(pipeline.tenant.unscheduled).toEqual({ deals: 1, amount: 10_000, weighted: 6_000 });
    expect(pipeline.tenant.total).toEqual({ deals: 6, amount: 1_860_000, weighted: 476_000 });
    // All of them are the admin's; another owner's filter leaves the tenant's totals alone.
    expect(pipeline.owners).toHaveLength(1);
    expect(pipeline.owners[0]).toMatchObject({ ownerId: a.adminId, total: pipeline.tenant.total });
    const other = (await a.api.get(`/v1/analytics/forecast?ownerId=${owners[0]}`)).body;
    expect(other.pipeline.owners).toEqual([]);
    expect(other.pipeline.tenant.total.weighted).toBe(476_000);
  });

  it('refuses a horizon beyond a year with the field path', async () => {
    const response = await a.api.get('/v1/analytics/forecast?horizon=13');
    expect(response.status).toBe(400);
    expect(response.text).toContain('horizon');
  });
});
