import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { STANDARD_REPORTS } from '../../shared/reports/standard.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * `npm run seed:demo` drives a running CRM through its API; here it drives the test runtime for
 * 40 days (a month's campaign, weekly survey waves, deals through the pipeline, invoices paid on
 * time and late), then every standard report must answer on that data, with something in it, and
 * so must every customer analysis the script ran at its end.
 */
const DAYS = 40;
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
  await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'infra/local/seed-demo.ts',
      '--api',
      runtime.urls.api,
      '--key',
      tenant.adminKey,
      '--days',
      String(DAYS),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  await runtime.settle();
}, 900_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('the demo data set', () => {
  it('has something in every standard report, in every grouping', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const period = `from=${day(-DAYS - 1)}&to=${day(0)}&grain=week`;
    for (const report of STANDARD_REPORTS) {
      for (const by of report.by ?? [undefined]) {
        const response = await tenant.api.get(`/v1/reports/${report.id}?${period}${by ? `&by=${by}` : ''}`);
        expect(response.status, `${report.id} ${by} ${response.text}`).toBe(200);
        const measures = (response.body.columns as Array<{ name: string; kind: string }>)
          .filter((c) => c.kind === 'measure')
          .map((c) => c.name);
        const rows = response.body.rows as Array<Record<string, unknown>>;
        expect(
          rows.some((r) => measures.some((m) => typeof r[m] === 'number' && r[m] !== 0)),
          `${report.id} by ${by}: ${JSON.stringify(rows).slice(0, 500)}`,
        ).toBe(true);
      }
    }
  });

  it('answers every customer analysis, run by the script at its end', async () => {
    const rfm = (await tenant.api.get('/v1/analytics/rfm')).body;
    expect(rfm.message).toBeUndefined();
    expect(rfm.customers).toBeGreaterThan(0);
    expect(rfm.segments.reduce((n: number, s: { customers: number }) => n + s.customers, 0)).toBe(
      rfm.customers,
    );
    expect(rfm.cohorts.length).toBeGreaterThan(0);
    const map = await tenant.api.get('/v1/analytics/cohorts', { headers: { accept: 'image/svg+xml' } });
    expect(map.text).toContain('<svg');

    const products = (await tenant.api.get('/v1/products?limit=100')).body.items as Array<{ id: string }>;
    let rules = 0;
    for (const product of products) {
      const together = await tenant.api.get(
        `/v1/products/${product.id}/bought-together?minSupport=0.001&minConfidence=0.01`,
      );
      expect(together.status, together.text).toBe(200);
      rules += together.body.items.length;
    }
    expect(rules).toBeGreaterThan(0);

    // 40 days hold one complete month at most: the projection says it needs three (the default
    // 365 days give twelve); the weighted pipeline has the open deals and their close dates.
    const forecast = (await tenant.api.get('/v1/analytics/forecast')).body;
    expect(forecast.computedAt).toBeDefined();
    expect(forecast.tenant.history.length + (forecast.tenant.message ? 1 : 0)).toBeGreaterThan(0);
    expect(forecast.pipeline.tenant.total.deals).toBeGreaterThan(0);
    expect(forecast.pipeline.tenant.total.weighted).toBeGreaterThan(0);
    expect(forecast.pipeline.tenant.months.length).toBeGreaterThan(0);

    // Every model the script defined was fitted, or says with its counts why it could not be (40
    // days are shorter than their horizons: nobody was a customer at their cutoffs yet).
    const models = (await tenant.api.get('/v1/models')).body.items as Array<{ key: string; training?: any }>;
    expect(models.map((m) => m.key)).toEqual(expect.arrayContaining(['suv', 'churn_90']));
    for (const model of models) {
      expect(['trained', 'insufficient_data']).toContain(model.training?.status);
      if (model.training.status === 'insufficient_data')
        expect(model.training.message).toMatch(/there are \d+/);
    }
  });
});
