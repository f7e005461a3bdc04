import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import {
  DAY,
  daysBefore,
  type Order,
  runAnalyticsDaily,
  seeded,
  writeOrderFacts,
} from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * RFM on a seeded history with planted customers. 200 background customers order 1 to 6 times,
 * last within the year, 20 to 200 EUR an order; five planted customers sit where the rules put
 * them whatever the background draws:
 * - champion: 12 orders, the last yesterday, 2,000 EUR each (top of every quintile);
 * - can't lose: 10 orders of 2,000 EUR, the last 400 days ago (older than any background order);
 * - at risk: 6 orders of 1 EUR, the last 400 days ago (top frequency, bottom spend);
 * - new: one order yesterday (F ties with every one-order customer, and ties take the lower score);
 * - lost: one order of 1 EUR, 500 days ago.
 * The scores are written back, a segment of "RFM segment is at risk" holds exactly the at-risk
 * contacts that exist, and an automation rule on ContactRfmSegmentChanged tags the one who entered.
 */
const AS_OF = new Date('2026-06-30T12:00:00Z');

let runtime: LocalRuntime;
let a: SignedUpTenant;
let b: SignedUpTenant;
const planted = {} as Record<'champion' | 'cantLose' | 'atRisk' | 'new' | 'lost', string>;

const runDaily = (asOf: Date) => runAnalyticsDaily(runtime.urls.api, a.tenantId, asOf);

function plantedOrders(): Order[] {
  const { int } = seeded(15);
  // Ids from their own seed, so the test below can replay the draws of the orders alone.
  const { id } = seeded(16);
  const orders: Order[] = [];
  for (let i = 0; i < 200; i++) {
    const contactId = id();
    const count = int(1, 6);
    const last = int(1, 365);
    for (let k = 0; k < count; k++)
      orders.push({ contactId, at: daysBefore(AS_OF, last + k * int(1, 20)), amount: int(2000, 20000) });
  }
  const repeat = (contactId: string, count: number, lastDaysAgo: number, amount: number) => {
    for (let k = 0; k < count; k++)
      orders.push({ contactId, at: daysBefore(AS_OF, lastDaysAgo + 7 * k), amount });
  };
  repeat(planted.champion, 12, 1, 200_000);
  repeat(planted.cantLose, 10, 400, 200_000);
  repeat(planted.atRisk, 6, 400, 100);
  repeat(planted.new, 1, 1, 5000);
  repeat(planted.lost, 1, 500, 100);
  return orders;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  [a, b] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  for (const name of Object.keys({ champion: 0, cantLose: 0, atRisk: 0, new: 0, lost: 0 }) as Array<
    keyof typeof planted
  >) {
    const created = await a.api.post('/v1/contacts', {
      firstName: 'Planted',
      lastName: name,
      email: `${name.toLowerCase()}-${newId().toLowerCase()}@customer.example`,
    });
    expect(created.status).toBe(201);
    planted[name] = created.body.id;
  }
  await writeOrderFacts(runtime.urls.s3, a.tenantId, plantedOrders());
  await runtime.settle();
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('RFM segmentation', () => {
  it('answers an empty segmentation saying how to start one before the first computation', async () => {
    const response = await a.api.get('/v1/analytics/rfm');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ customers: 0, cohorts: [] });
    expect(response.body.computedAt).toBeUndefined();
    expect(response.body.message).toContain('POST /v1/analytics/runs');
  });

  it('puts each planted customer in its segment and writes the scores back', {
    timeout: 180_000,
  }, async () => {
    const rule = await a.api.post('/v1/automation-rules', {
      name: 'Tag customers slipping away',
      trigger: {
        type: 'event',
        event: 'ContactRfmSegmentChanged',
        conditions: [{ field: 'segment', op: 'eq', value: 'at_risk' }],
      },
      actions: [{ type: 'tag_contact', tag: 'slipping' }],
    });
    expect(rule.status, rule.text).toBe(201);

    const result = await runDaily(AS_OF);
    expect(result.rfm).toEqual({ customers: 205, segmentChanges: 205 });

    const summary = (await a.api.get('/v1/analytics/rfm')).body;
    expect(summary.customers).toBe(205);
    expect(summary.segments.reduce((n: number, s: { customers: number }) => n + s.customers, 0)).toBe(205);
    // Repeat purchases: background customers with 2+ orders, plus champion, can't lose and at risk.
    const { int } = seeded(15);
    let repeaters = 3;
    for (let i = 0; i < 200; i++) {
      const count = int(1, 6);
      int(1, 365);
      for (let k = 0; k < count; k++) {
        int(1, 20);
        int(2000, 20000);
      }
      if (count >= 2) repeaters++;
    }
    expect(summary.repeatPurchaseRate).toBeCloseTo(repeaters / 205, 3);

    const expected: Record<keyof typeof planted, string> = {
      champion: 'champions',
      cantLose: 'cant_lose',
      atRisk: 'at_risk',
      new: 'new',
      lost: 'lost',
    };
    for (const [name, segment] of Object.entries(expected)) {
      const segmentPreview = await a.api.post('/v1/segments', {
        name: `RFM ${segment}`,
        conditions: [{ type: 'field', field: 'rfm.segment', op: 'eq', value: segment }],
      });
      expect(segmentPreview.status, segmentPreview.text).toBe(201);
      const preview = await a.api.get(`/v1/segments/${segmentPreview.body.id}/preview`);
      expect(preview.status, preview.text).toBe(200);
      // Only the planted contacts exist in the address book: each segment holds its own one.
      expect(preview.body.count, name).toBe(1);
      expect(preview.body.sample.map((c: { id: string }) => c.id)).toEqual([
        planted[name as keyof typeof planted],
      ]);
    }

    // The rule reacted to the at-risk customer entering its segment, and to no one else.
    await runtime.settle();
    const atRisk = await a.api.get(`/v1/contacts/${planted.atRisk}`);
    expect(atRisk.body.tags).toContain('slipping');
    const champion = await a.api.get(`/v1/contacts/${planted.champion}`);
    expect(champion.body.tags).not.toContain('slipping');
  });

  it('computes cohort retention by month of first purchase', async () => {
    const summary = (await a.api.get('/v1/analytics/rfm')).body;
    expect(summary.cohorts.length).toBeGreaterThan(0);
    for (const cohort of summary.cohorts) {
      expect(cohort.cohort).toMatch(/^\d{4}-\d{2}$/);
      expect(cohort.retention[0]).toBe(1);
      for (const share of cohort.retention) expect(share).toBeLessThanOrEqual(1);
    }
    // The champion's first order was 12 weeks before yesterday: its cohort retains it in later months.
    const champion = summary.cohorts.find(
      (c: { cohort: string }) =>
        c.cohort === new Date(AS_OF.getTime() - (1 + 77) * DAY).toISOString().slice(0, 7),
    );
    expect(champion).toBeDefined();

    // The same table on its own, and drawn as a heat map: a row per cohort, labelled with its size.
    const table = (await a.api.get('/v1/analytics/cohorts')).body;
    expect(table).toEqual({ computedAt: summary.computedAt, cohorts: summary.cohorts });
    const map = await a.api.get('/v1/analytics/cohorts', { headers: { accept: 'image/svg+xml' } });
    expect(map.status).toBe(200);
    expect(map.headers.get('content-type')).toContain('image/svg+xml');
    expect(map.text).toMatch(/^<svg[\s\S]*<\/svg>$/);
    for (const cohort of summary.cohorts)
      expect(map.text).toContain(`${cohort.cohort} (${cohort.customers})`);
    // Every cohort's first month is 100 %.
    expect(map.text.match(/>100</g)?.length).toBeGreaterThanOrEqual(summary.cohorts.length);
  });

  it('announces each change once: a rerun of the day writes the same events, the next day finds no change', {
    timeout: 180_000,
  }, async () => {
    const rules = (await a.api.get('/v1/automation-rules')).body.items as Array<{ id: string; name: string }>;
    const rule = rules.find((r) => r.name === 'Tag customers slipping away')!;
    const summary = (await a.api.get('/v1/analytics/rfm')).body;
    const atRisk = summary.segments.find((s: { segment: string }) => s.segment === 'at_risk').customers;
    await runtime.settle();
    const runs = async () => (await a.api.get(`/v1/automation-rules/${rule.id}/runs?limit=100`)).body.items;
    // One firing per customer who entered "at risk" (the planted one and background ones).
    expect(await runs()).toHaveLength(atRisk);
    // The same day's run again (a retried invocation): the same outbox items, published once.
    await runDaily(AS_OF);
    await runtime.settle();
    expect(await runs()).toHaveLength(atRisk);
    // A day later every customer is a day older: the ranks, hence the segments, stay.
    const next = await runDaily(new Date(AS_OF.getTime() + DAY));
    expect(next.rfm).toEqual({ customers: 205, segmentChanges: 0 });
  });

  it('reads only its own tenant', async () => {
    // Tenant B's own daily run found none of A's orders.
    const other = await b.api.get('/v1/analytics/rfm');
    expect(other.status).toBe(200);
    expect(other.body.customers).toBe(0);
    expect(other.body.cohorts).toEqual([]);
    const map = await b.api.get('/v1/analytics/cohorts', { headers: { accept: 'image/svg+xml' } });
    expect(map.text).toContain('no cohorts yet');
  });
});

describe('RFM scores of a contact who is no customer any more', () => {
  it('are removed when the only order is cancelled, so the segment no longer holds them', async () => {
    const tenant = await signUpOverHttp(runtime, {}, { verify: false });
    const body = async (response: Promise<{ status: number; body: any; text: string }>, status: number) => {
      const r = await response;
      expect(r.status, r.text).toBe(status);
      return r.body;
    };
    const buyer = await body(tenant.api.post('/v1/contacts', { firstName: 'Gone', lastName: 'Buyer' }), 201);
    const desk = await body(
      tenant.api.post('/v1/products', {
        sku: 'DESK-RFM',
        name: 'Desk',
        prices: [{ currency: 'EUR', unitAmount: 5000 }],
      }),
      201,
    );
    await body(
      tenant.api.post(`/v1/products/${desk.id}/stock-adjustments`, { quantity: 5, reason: 'count' }),
      200,
    );
    const order = await body(
      tenant.api.post('/v1/orders', { contactId: buyer.id, lines: [{ productId: desk.id, quantity: 1 }] }),
      201,
    );
    await runtime.settle();
    const rfm = async () => {
      await body(tenant.api.post('/v1/analytics/runs', { analyses: ['rfm'] }), 202);
      await runtime.settle();
    };
    await rfm();
    const customers = await body(
      tenant.api.post('/v1/segments', {
        name: 'Customers',
        conditions: [{ type: 'field', field: 'rfm.orders', op: 'gte', value: 1 }],
      }),
      201,
    );
    const members = async () =>
      (await body(tenant.api.get(`/v1/segments/${customers.id}/preview`), 200)).count;
    expect(await members()).toBe(1);

    await body(tenant.api.post(`/v1/orders/${order.id}/cancel`, {}, { headers: { 'if-match': '*' } }), 200);
    await runtime.settle();
    await rfm();
    expect((await body(tenant.api.get('/v1/analytics/rfm'), 200)).customers).toBe(0);
    expect(await members()).toBe(0);
  });
});
