import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { DAY, daysBefore, orderRows, seeded, writeFactRows } from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Churn and category models on seeded populations with planted causes, and models listed and deleted.
 *
 * Tenant A (churn): 600 customers with one to three orders in the year before the cutoff (90 days
 * before AS_OF). A quarter have a household income under 25k: 10 % of them order again after the
 * cutoff, against 90 % of the others. The churn model must find `income_band=under_25k` first,
 * pushing towards churn, and rank held-out customers well. Cleo is a real contact with that profile
 * and no order since: her score crosses the alert threshold, ContactChurnRiskRaised fires, and an
 * automation rule gives the admin a call task about her.
 *
 * Tenant B (category): 600 contacts in four regions; in the 90 days before AS_OF, 80 % of those in
 * Bayern buy a product of the category "Racks" (either of two), 5 % of the others. 50 more contacts
 * held a rack before the cutoff and are left out of the question.
 */
const AS_OF = new Date('2026-06-30T12:00:00Z');
const HORIZON = 90;
const CUTOFF = AS_OF.getTime() - HORIZON * DAY;

let runtime: LocalRuntime;
let a: SignedUpTenant;
let b: SignedUpTenant;
let cleo: string;
const racks: string[] = [];
let filler: string;
let categoryModel: string;

async function runDaily() {
  const response = await fetch(`${runtime.urls.api}/_local/schedules/analytics-daily/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ asOf: AS_OF.toISOString() }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  await runtime.settle();
}

async function ok(response: Promise<{ status: number; body: any; text: string }>, status = 200) {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

const product = async (tenant: SignedUpTenant, key: string, category: string) =>
  (
    await ok(
      tenant.api.post('/v1/products', {
        sku: `${key.toUpperCase()}-${newId().slice(-6)}`,
        name: `Product ${key}`,
        category,
        prices: [{ currency: 'EUR', unitAmount: 5000 }],
        trackStock: false,
      }),
      201,
    )
  ).id as string;

/**
 * Facts are written a file per day: moving every date to a weekly grid (anchored two days either
 * side of the cutoff, so nothing crosses it) keeps the files, hence the setup, few.
 */
const WEEK = 7 * DAY;
const snap = <T extends { occurred_at: number }>(row: T): T => {
  const at = row.occurred_at;
  return {
    ...row,
    occurred_at:
      at >= CUTOFF
        ? Math.min(CUTOFF + 2 * DAY + Math.floor((at - CUTOFF) / WEEK) * WEEK, AS_OF.getTime() - DAY)
        : CUTOFF - 2 * DAY - Math.floor((CUTOFF - at) / WEEK) * WEEK,
  };
};

beforeAll(async () => {
  runtime = await startTestRuntime();
  [a, b] = [await signUpOverHttp(runtime), await signUpOverHttp(runtime)];

  // Tenant A: churn.
  {
    const { int, chance, pick, id } = seeded(1505);
    cleo = (await ok(a.api.post('/v1/contacts', { firstName: 'Cleo', lastName: 'Quiet' }), 201)).id;
    const rows: Array<Record<string, unknown> & { event_type: string; occurred_at: number }> = [];
    const orders = [];
    for (let i = 0; i < 601; i++) {
      const contactId = i === 600 ? cleo : id();
      const poor = i === 600 || chance(0.25);
      const since = daysBefore(new Date(CUTOFF), int(200, 500));
      rows.push({
        event_type: 'ContactCreated',
        module: 'funnel.contacts',
        occurred_at: since.getTime(),
        contact_id: contactId,
        gender: pick(['female', 'male']),
        age_band: pick(['25-34', '35-44', '45-54']),
        income_band: poor ? 'under_25k' : pick(['25k_50k', '50k_100k', '100k_200k']),
        region: pick(['Bretagne', 'Bayern']),
      });
      for (let k = int(1, 3); k > 0; k--)
        orders.push({
          contactId,
          at: new Date(int(CUTOFF - 365 * DAY, CUTOFF - DAY)),
          amount: int(1000, 9000),
        });
      if (i < 600 && chance(poor ? 0.05 : 0.9))
        orders.push({ contactId, at: new Date(int(CUTOFF + DAY, AS_OF.getTime() - DAY)), amount: 5000 });
    }
    await writeFactRows(runtime.urls.s3, a.tenantId, [...rows, ...orderRows(orders)].map(snap));
  }

  // Tenant B: a category.
  {
    racks.push(await product(b, 'rack-a', 'Racks'), await product(b, 'rack-b', 'Racks'));
    filler = await product(b, 'filler', 'Misc');
    await product(b, 'unsold', 'Unsold');
    const buyer = await ok(b.api.post('/v1/contacts', { firstName: 'Real', lastName: 'Buyer' }), 201);
    await ok(
      b.api.post('/v1/orders', { contactId: buyer.id, lines: [{ productId: racks[0], quantity: 1 }] }),
      201,
    );
    const { int, chance, pick, id } = seeded(1506);
    const rows: Array<Record<string, unknown> & { event_type: string; occurred_at: number }> = [];
    const orders = [];
    for (let i = 0; i < 650; i++) {
      const contactId = id();
      const region = pick(['Bretagne', 'Bayern', 'Lombardia', 'Madrid']);
      const since = daysBefore(new Date(CUTOFF), int(100, 500));
      rows.push({
        event_type: 'ContactCreated',
        module: 'funnel.contacts',
        occurred_at: since.getTime(),
        contact_id: contactId,
        gender: pick(['female', 'male']),
        income_band: pick(['25k_50k', '50k_100k']),
        region,
      });
      orders.push({
        contactId,
        at: new Date(int(since.getTime(), CUTOFF - DAY)),
        amount: 2000,
        products: [filler],
      });
      // The first 50 held a rack already at the cutoff: not part of the question.
      if (i < 50)
        orders.push({
          contactId,
          at: new Date(int(since.getTime(), CUTOFF - DAY)),
          amount: 5000,
          products: [racks[1]!],
        });
      else if (chance(region === 'Bayern' ? 0.8 : 0.05))
        orders.push({
          contactId,
          at: new Date(int(CUTOFF + DAY, AS_OF.getTime() - DAY)),
          amount: 5000,
          products: [pick(racks)],
        });
    }
    const category = (productId: string) => (racks.includes(productId) ? 'Racks' : 'Misc');
    const lines = orderRows(orders).map((row) => ({
      ...row,
      line_categories: (row.line_product_ids as string[]).map(category),
    }));
    await writeFactRows(runtime.urls.s3, b.tenantId, [...rows, ...lines].map(snap));
  }
  await runtime.settle();
}, 600_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('model definitions', () => {
  it('refuses a category nobody bought, naming it, and targets given the wrong parts', async () => {
    const unsold = await b.api.post('/v1/models', { key: 'unsold', target: 'category', category: 'Unsold' });
    expect(unsold.status).toBe(400);
    expect(unsold.body.errors).toEqual([expect.objectContaining({ path: 'body.category' })]);
    expect(unsold.text).toContain('Unsold');
    const missing = await b.api.post('/v1/models', { key: 'x', target: 'category' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('body.category');
    const churnWithProduct = await b.api.post('/v1/models', {
      key: 'x',
      target: 'churn',
      productId: racks[0],
    });
    expect(churnWithProduct.status).toBe(400);
    expect(churnWithProduct.text).toContain('body.productId');
    const alert = await b.api.post('/v1/models', { key: 'x', target: 'churn', alertAt: 1.5 });
    expect(alert.status).toBe(400);
    expect(alert.text).toContain('alertAt');
  });
});

describe('churn risk', () => {
  let model: string;

  it('recovers the planted cause and raises the alert an automation rule turns into a call task', {
    timeout: 600_000,
  }, async () => {
    model = (
      await ok(
        a.api.post('/v1/models', { key: 'churn_90', target: 'churn', horizonDays: HORIZON, alertAt: 0.6 }),
        201,
      )
    ).id;
    await ok(
      a.api.post('/v1/automation-rules', {
        name: 'Call customers about to churn',
        trigger: {
          type: 'event',
          event: 'ContactChurnRiskRaised',
          conditions: [{ field: 'contactId', op: 'eq', value: cleo }],
        },
        actions: [
          {
            type: 'create_task',
            title: 'Call {{contact.firstName}} before she stops buying',
            assignTo: { type: 'member', memberId: a.adminId },
          },
        ],
      }),
      201,
    );
    // The category model of tenant B is fitted by the same run (one run of the schedule for both).
    categoryModel = (
      await ok(
        b.api.post('/v1/models', {
          key: 'racks',
          target: 'category',
          category: 'Racks',
          horizonDays: HORIZON,
        }),
        201,
      )
    ).id;
    await runDaily();

    const trained = await ok(a.api.get(`/v1/models/${model}`));
    expect(trained).toMatchObject({ key: 'churn_90', target: 'churn', alertAt: 0.6 });
    expect(trained.training.status).toBe('trained');
    // Every one of the 601 had ordered before the cutoff: all are customers the question is about.
    expect(trained.training.trainingSize + trained.training.testSize).toBe(601);
    expect(trained.training.auc).toBeGreaterThanOrEqual(0.75);
    expect(trained.training.topFeatures[0]).toMatchObject({ feature: 'income_band=under_25k' });
    expect(trained.training.topFeatures[0].weight).toBeGreaterThan(0);
    expect(trained.training.scored).toBe(601);
    expect(trained.training.alerts).toBeGreaterThan(0);

    const tasks = await ok(a.api.get(`/v1/tasks?assigneeId=${a.adminId}`));
    expect(tasks.items.map((t: { title: string }) => t.title)).toContain('Call Cleo before she stops buying');
  });

  it('is listed with its training, and deleting it removes its scores from contacts', {
    timeout: 120_000,
  }, async () => {
    const listed = await ok(a.api.get('/v1/models'));
    expect(listed.items).toEqual([
      expect.objectContaining({
        id: model,
        key: 'churn_90',
        training: expect.objectContaining({ status: 'trained' }),
      }),
    ]);
    const segment = await ok(
      a.api.post('/v1/segments', {
        name: 'About to churn',
        conditions: [{ type: 'field', field: 'propensity.churn_90', op: 'gte', value: 0.6 }],
      }),
      201,
    );
    const before = await ok(a.api.get(`/v1/segments/${segment.id}/preview`));
    expect(before.sample.map((m: { id: string }) => m.id)).toEqual([cleo]);

    expect((await a.api.delete(`/v1/models/${model}`)).status).toBe(204);
    await runtime.settle();
    expect((await a.api.get(`/v1/models/${model}`)).status).toBe(404);
    expect((await ok(a.api.get('/v1/models'))).items).toEqual([]);
    expect((await a.api.delete(`/v1/models/${model}`)).status).toBe(404);
    const after = await ok(a.api.get(`/v1/segments/${segment.id}/preview`));
    expect(after.sample).toEqual([]);
    // Its key is free again once the scores are gone.
    await ok(a.api.post('/v1/models', { key: 'churn_90', target: 'churn' }), 201);
  });
});

describe('propensity for a category', () => {
  it('learns who buys any product of the category, leaving out those who hold one', async () => {
    const trained = await ok(b.api.get(`/v1/models/${categoryModel}`));
    expect(trained).toMatchObject({ target: 'category', category: 'Racks' });
    expect(trained.productId).toBeUndefined();
    expect(trained.training.status).toBe('trained');
    // 650 contacts, 50 of whom held a rack at the cutoff.
    expect(trained.training.trainingSize + trained.training.testSize).toBe(600);
    expect(trained.training.auc).toBeGreaterThanOrEqual(0.75);
    expect(trained.training.topFeatures[0]).toMatchObject({ feature: 'region=Bayern' });
    expect(trained.training.topFeatures[0].weight).toBeGreaterThan(0);
  });
});

describe('the customers a churn model scores', () => {
  it('leaves out a contact whose only order was cancelled: they never became a customer', async () => {
    const tenant = await signUpOverHttp(runtime);
    const never = await ok(tenant.api.post('/v1/contacts', { firstName: 'Never', lastName: 'Bought' }), 201);
    const desk = await ok(
      tenant.api.post('/v1/products', {
        sku: 'DESK-CX',
        name: 'Desk',
        prices: [{ currency: 'EUR', unitAmount: 5000 }],
      }),
      201,
    );
    await ok(tenant.api.post(`/v1/products/${desk.id}/stock-adjustments`, { quantity: 5, reason: 'count' }));
    const order = await ok(
      tenant.api.post('/v1/orders', { contactId: never.id, lines: [{ productId: desk.id, quantity: 1 }] }),
      201,
    );
    await ok(tenant.api.post(`/v1/orders/${order.id}/cancel`, {}, { headers: { 'if-match': '*' } }));
    await runtime.settle();
    // Enough customers for a model: all ordered 200 days ago, half again 30 days ago.
    const now = Date.now();
    const { id, chance } = seeded(7);
    const rows: Array<Record<string, unknown> & { event_type: string; occurred_at: number }> = [];
    const orders = [];
    for (let i = 0; i < 100; i++) {
      const contactId = id();
      rows.push({
        event_type: 'ContactCreated',
        module: 'funnel.contacts',
        occurred_at: now - 400 * DAY,
        contact_id: contactId,
        income_band: i % 2 ? 'under_25k' : '100k_200k',
      });
      orders.push({ contactId, at: new Date(now - 200 * DAY), amount: 1000 });
      if (i % 2 === 0 || chance(0.1)) orders.push({ contactId, at: new Date(now - 30 * DAY), amount: 1000 });
    }
    await writeFactRows(runtime.urls.s3, tenant.tenantId, [...rows, ...orderRows(orders)]);
    const model = await ok(
      tenant.api.post('/v1/models', { key: 'churn_cx', target: 'churn', horizonDays: 90 }),
      201,
    );
    await ok(tenant.api.post('/v1/analytics/runs', { analyses: ['models'] }), 202);
    await runtime.settle();
    expect((await ok(tenant.api.get(`/v1/models/${model.id}`))).training.status).toBe('trained');
    // The seeded customers are facts only; the one real contact never bought anything.
    const scored = await ok(
      tenant.api.post('/v1/segments', {
        name: 'churn scored',
        conditions: [{ type: 'field', field: 'propensity.churn_cx', op: 'gte', value: 0 }],
      }),
      201,
    );
    expect((await ok(tenant.api.get(`/v1/segments/${scored.id}/preview`))).count).toBe(0);
  });
});
