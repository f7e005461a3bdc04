import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { orderRows, seeded, writeFactRows } from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The sales forecast on a planted series: 30 months (January 2024 to June 2026) of booked sales
 * of 10,000 EUR + 500 EUR a month, with seeded noise of ±300 EUR, booked 60/40 by two owners. The
 * forecast made in July 2026 must hold the planted line (no noise) inside its interval for every
 * month ahead, and its backtest error must be small.
 */
const AS_OF = new Date('2026-07-15T12:00:00Z');
const BASE = 1_000_000;
const SLOPE = 50_000;

let runtime: LocalRuntime;
let a: SignedUpTenant;
const owners = [newId(), newId()];

async function runDaily() {
  const response = await fetch(`${runtime.urls.api}/_local/schedules/analytics-daily/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ asOf: AS_OF.toISOString() }),
  });
  const body = (await response.json()) as { runs: Array<{ name: string; result: any }> };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.runs.find((r) => r.name === `analytics-daily-${a.tenantId}`)!.result;
}

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
    expect((await runDaily()).forecast).toEqual({ months: 30, owners: 2 });
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

  it('refuses a horizon beyond a year with the field path', async () => {
    const response = await a.api.get('/v1/analytics/forecast?horizon=13');
    expect(response.status).toBe(400);
    expect(response.text).toContain('horizon');
  });
});
