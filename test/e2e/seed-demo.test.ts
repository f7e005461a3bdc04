import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { STANDARD_REPORTS } from '../../shared/reports/standard.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * `npm run seed:demo` drives a running CRM through its API; here it drives the test runtime for
 * 40 days (a month's campaign, weekly survey waves, deals through the pipeline, invoices paid on
 * time and late), then every standard report must answer on that data, with something in it.
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
});
