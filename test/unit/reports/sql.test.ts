import { describe, expect, it } from 'vitest';
import { newId } from '../../../shared/platform/ids.ts';
import { compileCustom, DATASETS } from '../../../shared/reports/datasets.ts';
import { resolvePeriod } from '../../../shared/reports/period.ts';
import { Sql } from '../../../shared/reports/sql.ts';
import { FILTERS, STANDARD_REPORTS, standardReport } from '../../../shared/reports/standard.ts';

/**
 * What the compiler guarantees, for every standard report, every custom dataset and both
 * dialects: each read of the facts is one tenant's partition and the period's days, and nothing a
 * caller gave (tenant, filters, values) is in the SQL text: it travels as parameters.
 */
const tenantId = newId();
const hostile = "x' OR '1'='1";
const period = resolvePeriod({
  from: '2025-01-01',
  to: '2025-12-31',
  grain: 'month',
  timeZone: 'Europe/Paris',
});

function expectScoped(sql: string, parameters: unknown[]) {
  const reads = sql.split('"funnel"."facts"').length - 1;
  expect(reads).toBeGreaterThan(0);
  expect(sql.split('WHERE tenant = ?').length - 1).toBe(reads);
  expect(sql.split('dt BETWEEN ? AND ?').length - 1).toBe(reads);
  expect(sql).not.toContain(tenantId);
  expect(sql).not.toContain(hostile);
  expect(parameters.filter((p) => p === tenantId)).toHaveLength(reads);
  expect((sql.match(/\?/g) ?? []).length).toBe(parameters.length);
}

describe.each(['duckdb', 'athena'] as const)('the %s compiler', (dialect) => {
  it.each(
    STANDARD_REPORTS.flatMap((r) =>
      (r.by ?? [undefined]).map((by) => [`${r.id} by ${by ?? '-'}`, r, by] as const),
    ),
  )('%s reads one tenant and binds every value', async (_, entry, by) => {
    const report = (await standardReport(entry.id))!;
    const filters = Object.fromEntries(report.filters.map((f) => [f, f === 'currency' ? 'EUR' : hostile]));
    const query = report.compile(new Sql(dialect, 'funnel'), {
      tenantId,
      period,
      filters,
      currency: 'EUR',
      ...(by ? { by } : {}),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expectScoped(query.sql, query.parameters);
    for (const filter of report.filters.filter((f) => f !== 'currency'))
      expect(query.parameters, filter).toContain(hostile);
  });

  it.each(Object.values(DATASETS).map((d) => [d.id, d] as const))(
    'a custom report of %s does too',
    (_, dataset) => {
      const dimensions = Object.keys(dataset.dimensions).slice(0, 3);
      const query = compileCustom(
        new Sql(dialect, 'funnel'),
        {
          name: 'All',
          dataset: dataset.id,
          measures: Object.keys(dataset.measures),
          dimensions,
          filters: [{ dimension: dimensions[0]!, op: 'not_in', values: [hostile] }],
          grain: 'month',
          sort: [{ by: dimensions[0]!, direction: 'asc' }],
          limit: 50,
        },
        { tenantId, period, currency: 'EUR' },
      );
      expectScoped(query.sql, query.parameters);
      expect(query.sql).toMatch(/LIMIT 50$/);
    },
  );

  it('knows every filter it is asked for', () => {
    for (const report of STANDARD_REPORTS)
      for (const filter of report.filters) expect(FILTERS).toContain(filter);
  });
});
