import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { localDateTime } from '../../shared/tasks/recurrence.ts';
import { DAY, daysBefore, type Order, orderRows, seeded, writeFactRows } from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The cross-sell campaign of the issue, in two calls after the analyses ran: a segment "bought the
 * roof box but not the roof bars, where box → bars has lift ≥ 2, and propensity for bars ≥ 0.6",
 * and a campaign to it. The history is seeded: 400 contacts known for 200 to 700 days, a quarter
 * with an income over 200k; before the horizon, 60 orders hold box and bars, 20 the box alone, 40
 * the bars alone and 600 neither (lift of box → bars about 3); in the 90 days before now, 85 % of
 * the rich contacts buy bars and 3 % of the others. Five real customers, made through the API:
 * Ann and Eve (rich, bought the box) must get the mail; Bob (bought the box, income under 25k),
 * Cat (rich, bought both) and Dan (rich, never bought the box) must not. Checked in the SES store.
 */
const HORIZON = 90;

let runtime: LocalRuntime;
let a: SignedUpTenant;
const products = {} as Record<'box' | 'bars' | 'filler', string>;
const people = {} as Record<'ann' | 'eve' | 'bob' | 'cat' | 'dan', { id: string; email: string }>;

interface StoredMail {
  destination: { to: string[] };
  subject: string;
}

async function mails(): Promise<StoredMail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: StoredMail[] };
  return store.emails;
}

async function ok<T = any>(response: Promise<{ status: number; body: T; text: string }>, status = 200) {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  a = await signUpOverHttp(runtime);
  const now = new Date();
  for (const [key, name] of Object.entries({ box: 'Roof box', bars: 'Roof bars', filler: 'Wiper blades' })) {
    const created = await ok(
      a.api.post('/v1/products', {
        sku: `${key.toUpperCase()}-${newId().slice(-6)}`,
        name,
        prices: [{ currency: 'EUR', unitAmount: 5000 }],
        trackStock: false,
      }),
      201,
    );
    products[key as keyof typeof products] = created.id;
  }

  const { int, chance, pick } = seeded(2026);
  const cutoff = now.getTime() - HORIZON * DAY;
  const rows: Array<Record<string, unknown> & { event_type: string; occurred_at: number }> = [];
  const orders: Order[] = [];
  const baskets = [
    ...Array.from({ length: 60 }, () => [products.box, products.bars]),
    ...Array.from({ length: 20 }, () => [products.box]),
    ...Array.from({ length: 40 }, () => [products.bars]),
    ...Array.from({ length: 600 }, () => [products.filler]),
  ];
  const contacts = Array.from({ length: 400 }, () => ({
    id: newId(),
    rich: chance(0.25),
    since: daysBefore(now, int(200, 700)).getTime(),
  }));
  for (const c of contacts)
    rows.push({
      event_type: 'ContactCreated',
      module: 'funnel.contacts',
      occurred_at: c.since,
      contact_id: c.id,
      gender: pick(['female', 'male']),
      income_band: c.rich ? 'over_200k' : pick(['under_25k', '25k_50k', '50k_100k', '100k_200k']),
      region: pick(['Bretagne', 'Bayern']),
    });
  // Every contact has ordered something before the horizon; the baskets are shared out at random.
  baskets.forEach((basket, i) => {
    const c = i < contacts.length ? contacts[i]! : pick(contacts);
    orders.push({
      contactId: c.id,
      at: new Date(int(c.since, cutoff - DAY)),
      amount: 10_000,
      products: basket,
    });
  });
  for (const c of contacts)
    if (chance(c.rich ? 0.85 : 0.03))
      orders.push({
        contactId: c.id,
        at: new Date(int(cutoff + DAY, now.getTime() - DAY)),
        amount: 20_000,
        products: [products.bars],
      });
  await writeFactRows(runtime.urls.s3, a.tenantId, [...rows, ...orderRows(orders)]);

  const customer = async (name: keyof typeof people, income: string, bought: string[]) => {
    const email = `${name}-${newId().toLowerCase()}@customer.example`;
    const created = await ok(
      a.api.post('/v1/contacts', {
        firstName: name[0]!.toUpperCase() + name.slice(1),
        lastName: 'Driver',
        email,
        lifecycleStage: 'customer',
        marketingConsent: { status: 'granted', source: 'checkout form' },
        demographics: { householdIncomeBand: income },
      }),
      201,
    );
    if (bought.length)
      await ok(
        a.api.post('/v1/orders', {
          contactId: created.id,
          lines: bought.map((productId) => ({ productId, quantity: 1 })),
        }),
        201,
      );
    people[name] = { id: created.id, email };
  };
  await customer('ann', 'over_200k', [products.box]);
  await customer('eve', 'over_200k', [products.box]);
  await customer('bob', 'under_25k', [products.box]);
  await customer('cat', 'over_200k', [products.box, products.bars]);
  await customer('dan', 'over_200k', [products.filler]);
  await runtime.settle();
}, 240_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('a cross-sell campaign from a bought-together rule and a propensity threshold', () => {
  it('reaches exactly the contacts it should', { timeout: 600_000 }, async () => {
    const model = await ok(a.api.post('/v1/models', { key: 'roof_bars', productId: products.bars }), 201);
    const run = await fetch(`${runtime.urls.api}/_local/schedules/analytics-daily/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ asOf: new Date(Date.now() + 3_600_000).toISOString() }),
    });
    expect(run.status, await run.text()).toBe(200);
    await runtime.settle();
    const trained = await ok(a.api.get(`/v1/models/${model.id}`));
    expect(trained.training.status).toBe('trained');
    expect(trained.training.topFeatures[0].feature).toBe('income_band=over_200k');
    const rule = await ok(a.api.get(`/v1/products/${products.box}/bought-together?minLift=2`));
    expect(rule.items.map((i: { productId: string }) => i.productId)).toEqual([products.bars]);

    // Call one: the segment.
    const segment = await ok(
      a.api.post('/v1/segments', {
        name: 'Roof box owners likely to want bars',
        conditions: [
          { type: 'cross_sell', productId: products.box, otherProductId: products.bars, minLift: 2 },
          { type: 'field', field: 'propensity.roof_bars', op: 'gte', value: 0.6 },
        ],
      }),
      201,
    );
    const preview = await ok(a.api.get(`/v1/segments/${segment.id}/preview`));
    expect(preview.sample.map((m: { id: string }) => m.id).sort()).toEqual(
      [people.ann.id, people.eve.id].sort(),
    );

    // Call two: the campaign (with its template), sent at its time.
    const template = await ok(
      a.api.post('/v1/templates', {
        name: 'Bars for your box',
        subject: 'Roof bars for your roof box, {{firstName | "there"}}',
        html: '<p>Your roof box wants roof bars.</p>',
        text: 'Your roof box wants roof bars.',
      }),
      201,
    );
    await ok(a.api.post('/v1/topics', { id: 'offers', name: 'Offers' }), 201);
    const campaign = await ok(
      a.api.post('/v1/campaigns', {
        name: 'Roof bars cross-sell',
        audience: { segments: [segment.id] },
        topicId: 'offers',
        templateId: template.id,
      }),
      201,
    );
    const sendAt = localDateTime(new Date(Date.now() + 3_600_000), 'Europe/Paris');
    await ok(a.api.post(`/v1/campaigns/${campaign.id}/schedule`, { sendAt }));
    await runtime.settle();
    const before = (await mails()).length;
    await runtime.scheduler.runNow(`campaign-send-${campaign.id}`);
    await runtime.settle();
    const sent = (await mails()).slice(before);
    const reached = Object.entries(people)
      .filter(([, p]) => sent.some((m) => m.destination.to.some((to) => to.includes(p.email))))
      .map(([name]) => name)
      .sort();
    expect(reached).toEqual(['ann', 'eve']);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.subject).toMatch(/^Roof bars for your roof box, (Ann|Eve)$/);
  });
});
