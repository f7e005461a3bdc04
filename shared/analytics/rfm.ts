import type { RfmSegment } from '../contacts/score-fields.ts';
import { type RfmScore, writeRfmScores } from '../contacts/scores.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { analyticsKeys } from './keys.ts';
import type { CohortRetention, RfmSummary } from './schema.ts';

import { compiler, historyStart, num, rowsOf, tenantSettings } from './warehouse.ts';

/**
 * RFM segmentation (docs/analytics.md, "RFM"). One query over the tenant's orders gives each
 * customer's last order, number of orders and spend, and their quintile scores within the tenant
 * (`percent_rank`, ties sharing the lower score); the named segment follows from the scores by the
 * rules below; the scores are written back to the contacts, and a summary (segment sizes, repeat
 * purchase rate, cohort retention) is kept for `GET /v1/analytics/rfm`.
 */

/** The first rule that holds names the segment (R = recency, F = frequency, M = monetary). */
export const RFM_RULES: ReadonlyArray<{
  segment: RfmSegment;
  rule: string;
  holds: (r: number, f: number, m: number) => boolean;
}> = [
  { segment: 'champions', rule: 'R ≥ 4, F ≥ 4, M ≥ 4', holds: (r, f, m) => r >= 4 && f >= 4 && m >= 4 },
  { segment: 'cant_lose', rule: 'R ≤ 2, F ≥ 4, M ≥ 4', holds: (r, f, m) => r <= 2 && f >= 4 && m >= 4 },
  { segment: 'loyal', rule: 'R ≥ 3, F ≥ 4', holds: (r, f) => r >= 3 && f >= 4 },
  { segment: 'at_risk', rule: 'R ≤ 2, F ≥ 3', holds: (r, f) => r <= 2 && f >= 3 },
  { segment: 'new', rule: 'R ≥ 4, F = 1', holds: (r, f) => r >= 4 && f === 1 },
  { segment: 'potential_loyalists', rule: 'R ≥ 3 (F ≤ 3)', holds: (r) => r >= 3 },
  { segment: 'hibernating', rule: 'R = 2 (F ≤ 2)', holds: (r) => r === 2 },
  { segment: 'lost', rule: 'R = 1 (F ≤ 2)', holds: () => true },
];

export function rfmSegment(r: number, f: number, m: number): RfmSegment {
  return RFM_RULES.find((rule) => rule.holds(r, f, m))!.segment;
}

/** Cohorts of the last this many months of first purchases. */
export const COHORT_MONTHS = 12;

async function scoreCustomers(ctx: TenantContext, currency: string): Promise<RfmScore[]> {
  const sql = compiler();
  const now = ctx.clock.now();
  const from = historyStart(now);
  const placed = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderPlaced'],
    columns: ['contact_id', 'order_id', 'amount', 'currency'],
    from,
    to: now,
  });
  const cancelled = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderCancelled'],
    columns: ['order_id'],
    from,
    to: now,
  });
  const score = (column: string) =>
    `CAST(least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY ${column}))) AS INTEGER)`;
  const rows = await rowsOf(
    sql,
    `WITH placed AS (${placed}), cancelled AS (${cancelled}),
     customers AS (
       SELECT p.contact_id, max(p.occurred_at) AS last_order_at, count(DISTINCT p.order_id) AS orders,
              sum(CASE WHEN p.currency = ${sql.p(currency)} THEN p.amount ELSE 0 END) AS total_spent
       FROM placed AS p LEFT JOIN cancelled AS c ON c.order_id = p.order_id
       WHERE c.order_id IS NULL AND p.contact_id IS NOT NULL
       GROUP BY p.contact_id)
     SELECT contact_id, ${sql.days('last_order_at', sql.timestamp(now))} AS days_since_last_order, orders, total_spent,
            ${score('last_order_at')} AS recency, ${score('orders')} AS frequency, ${score('total_spent')} AS monetary
     FROM customers ORDER BY contact_id`,
  );
  return rows.map((row) => {
    const [recency, frequency, monetary] = [num(row.recency), num(row.frequency), num(row.monetary)];
    return {
      contactId: String(row.contact_id),
      segment: rfmSegment(recency, frequency, monetary),
      recency,
      frequency,
      monetary,
      daysSinceLastOrder: num(row.days_since_last_order),
      orders: num(row.orders),
      totalSpent: num(row.total_spent),
    };
  });
}

async function cohorts(ctx: TenantContext, timeZone: string): Promise<RfmSummary['cohorts']> {
  const sql = compiler();
  const now = ctx.clock.now();
  const placed = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderPlaced'],
    columns: ['contact_id', 'order_id'],
    from: historyStart(now),
    to: now,
  });
  const cancelled = sql.facts({
    tenantId: ctx.tenantId,
    eventTypes: ['OrderCancelled'],
    columns: ['order_id'],
    from: historyStart(now),
    to: now,
  });
  const firstMonth = new Date(now);
  firstMonth.setUTCMonth(firstMonth.getUTCMonth() - (COHORT_MONTHS - 1), 1);
  const rows = await rowsOf(
    sql,
    `WITH placed AS (${placed}), cancelled AS (${cancelled}),
     orders AS (
       SELECT p.contact_id, date_trunc('month', ${sql.local('p.occurred_at', timeZone)}) AS month
       FROM placed AS p LEFT JOIN cancelled AS c ON c.order_id = p.order_id
       WHERE c.order_id IS NULL AND p.contact_id IS NOT NULL),
     firsts AS (SELECT contact_id, min(month) AS cohort FROM orders GROUP BY contact_id)
     SELECT ${sql.bucket('f.cohort', 'month')} AS cohort, date_diff('month', f.cohort, o.month) AS month_index,
            count(DISTINCT o.contact_id) AS customers
     FROM orders AS o JOIN firsts AS f ON f.contact_id = o.contact_id
     GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const earliest = firstMonth.toISOString().slice(0, 7);
  const table = new Map<string, number[]>();
  for (const row of rows) {
    const cohort = String(row.cohort).slice(0, 7);
    if (cohort < earliest) continue;
    const counts = table.get(cohort) ?? [];
    counts[num(row.month_index)] = num(row.customers);
    table.set(cohort, counts);
  }
  return [...table].map(([cohort, counts]) => {
    const size = counts[0] ?? 0;
    return {
      cohort,
      customers: size,
      retention: Array.from({ length: counts.length }, (_, i) =>
        size ? Math.round(((counts[i] ?? 0) / size) * 1000) / 1000 : 0,
      ),
    };
  });
}

/**
 * Recomputes the tenant's RFM scores, writes them back to the contacts and keeps the summary.
 * `runId` names the run (the day, for the scheduled one): running it again writes the same.
 */
export async function runRfm(ctx: TenantContext, runId: string): Promise<RfmSummary> {
  const { timeZone, currency } = await tenantSettings(ctx);
  const scores = await scoreCustomers(ctx, currency);
  const { changed } = await writeRfmScores(ctx, runId, scores);
  const bySegment = new Map<string, number>();
  for (const s of scores) bySegment.set(s.segment, (bySegment.get(s.segment) ?? 0) + 1);
  const repeat = scores.filter((s) => s.orders >= 2).length;
  const summary: RfmSummary = {
    computedAt: ctx.clock.now().toISOString(),
    currency,
    customers: scores.length,
    repeatPurchaseRate: scores.length ? Math.round((repeat / scores.length) * 1000) / 1000 : 0,
    segmentChanges: changed,
    segments: RFM_RULES.map(({ segment, rule }) => ({
      segment,
      rule,
      customers: bySegment.get(segment) ?? 0,
      share: scores.length ? Math.round(((bySegment.get(segment) ?? 0) / scores.length) * 1000) / 1000 : 0,
    })),
    scores: (['recency', 'frequency', 'monetary'] as const).map((dimension) => ({
      dimension,
      bands: [1, 2, 3, 4, 5].map((score) => {
        const metric = (s: RfmScore) =>
          dimension === 'recency'
            ? s.daysSinceLastOrder
            : dimension === 'frequency'
              ? s.orders
              : s.totalSpent;
        const values = scores.filter((s) => s[dimension] === score).map(metric);
        return {
          score,
          customers: values.length,
          ...(values.length ? { min: Math.min(...values), max: Math.max(...values) } : {}),
        };
      }),
    })),
    cohorts: await cohorts(ctx, timeZone),
  };
  await unitOfWork(ctx)
    .put({ ...analyticsKeys.rfm(ctx.tenantId), entity: 'RfmSummary', ...summary })
    .commit();
  return summary;
}

/**
 * The latest segmentation. Before the first one the answer is the empty segmentation with a
 * message saying how to start one: the tenant's customers are simply not segmented yet.
 */
export async function getRfmSummary(ctx: TenantContext): Promise<RfmSummary> {
  const item = await getItem(ctx, analyticsKeys.rfm(ctx.tenantId));
  if (item) return withoutKeys<RfmSummary>(item);
  const { currency } = await tenantSettings(ctx);
  return {
    message:
      'No RFM segmentation has been computed yet. It runs daily; POST /v1/analytics/runs with {"analyses":["rfm"]} starts one now.',
    currency,
    customers: 0,
    repeatPurchaseRate: 0,
    segmentChanges: 0,
    segments: RFM_RULES.map(({ segment, rule }) => ({ segment, rule, customers: 0, share: 0 })),
    scores: (['recency', 'frequency', 'monetary'] as const).map((dimension) => ({
      dimension,
      bands: [1, 2, 3, 4, 5].map((score) => ({ score, customers: 0 })),
    })),
    cohorts: [],
  };
}

/** The cohort table of the latest segmentation (the heat map draws it). */
export async function getCohortRetention(ctx: TenantContext): Promise<CohortRetention> {
  const { computedAt, message, cohorts } = await getRfmSummary(ctx);
  return { ...(computedAt ? { computedAt } : {}), ...(message ? { message } : {}), cohorts };
}
