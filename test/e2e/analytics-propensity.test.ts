import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import {
  DAY,
  daysBefore,
  orderRows,
  runAnalyticsDaily,
  seeded,
  writeFactRows,
} from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Propensity on a seeded population with a planted cause. 800 contacts, known for 200 to 700
 * days, with random gender, age band and region; a fifth of them have a household income over
 * 200k. In the 90 days before AS_OF, 85 % of those buy the target product and 5 % of the others
 * do: the model must find `income_band=over_200k` as its strongest feature and rank held-out
 * contacts well (AUC ≥ 0.75). Everyone buys the "noise" product with the same 25 % chance,
 * whatever they are: that model must say it knows nothing (AUC near 0.5).
 */
const AS_OF = new Date('2026-06-30T12:00:00Z');
const HORIZON = 90;

let runtime: LocalRuntime;
let a: SignedUpTenant;
const products = {} as Record<'target' | 'noise' | 'rare' | 'filler' | 'unsold', string>;

const runDaily = () => runAnalyticsDaily(runtime.urls.api, a.tenantId, AS_OF);

beforeAll(async () => {
  runtime = await startTestRuntime();
  a = await signUpOverHttp(runtime);
  for (const key of Object.keys({ target: 0, noise: 0, rare: 0, filler: 0, unsold: 0 }) as Array<
    keyof typeof products
  >) {
    const created = await a.api.post('/v1/products', {
      sku: `${key.toUpperCase()}-${newId().slice(-6)}`,
      name: `Product ${key}`,
      prices: [{ currency: 'EUR', unitAmount: 5000 }],
      trackStock: false,
    });
    expect(created.status, created.text).toBe(201);
    products[key as keyof typeof products] = created.body.id;
  }
  // One real buyer each, so the products have buyers to name (their orders are dated now, after AS_OF).
  const buyer = await a.api.post('/v1/contacts', { firstName: 'Real', lastName: 'Buyer' });
  for (const productId of [products.target, products.noise, products.rare]) {
    const order = await a.api.post('/v1/orders', {
      contactId: buyer.body.id,
      lines: [{ productId, quantity: 1 }],
    });
    expect(order.status, order.text).toBe(201);
  }

  const { int, chance, pick, id } = seeded(1515);
  const cutoff = AS_OF.getTime() - HORIZON * DAY;
  const rows: Array<Record<string, unknown> & { event_type: string; occurred_at: number }> = [];
  const orders = [];
  for (let i = 0; i < 800; i++) {
    const contactId = id();
    const rich = chance(0.2);
    const since = daysBefore(AS_OF, int(200, 700));
    rows.push({
      event_type: 'ContactCreated',
      module: 'funnel.contacts',
      occurred_at: since.getTime(),
      contact_id: contactId,
      gender: pick(['female', 'male', 'non_binary']),
      age_band: pick(['18-24', '25-34', '35-44', '45-54', '55-64', '65+']),
      income_band: rich ? 'over_200k' : pick(['under_25k', '25k_50k', '50k_100k', '100k_200k']),
      region: pick(['Bretagne', 'Bayern', 'Île-de-France', 'Lombardia']),
    });
    for (let k = int(0, 3); k > 0; k--)
      orders.push({
        contactId,
        at: new Date(int(since.getTime(), cutoff - DAY)),
        amount: int(1000, 30_000),
        products: [products.filler],
      });
    const inWindow = () => new Date(int(cutoff + DAY, AS_OF.getTime() - DAY));
    if (chance(rich ? 0.85 : 0.05))
      orders.push({ contactId, at: inWindow(), amount: 50_000, products: [products.target] });
    if (chance(0.25)) orders.push({ contactId, at: inWindow(), amount: 5_000, products: [products.noise] });
  }
  await writeFactRows(runtime.urls.s3, a.tenantId, [...rows, ...orderRows(orders)]);
  await runtime.settle();
}, 240_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('propensity to buy', () => {
  const models = {} as Record<'target' | 'noise' | 'rare', string>;

  it('refuses a product nobody bought, naming it', async () => {
    const response = await a.api.post('/v1/models', { key: 'unsold', productId: products.unsold });
    expect(response.status).toBe(400);
    expect(response.text).toContain('body.productId');
    expect(response.text).toContain(products.unsold);
    const horizon = await a.api.post('/v1/models', {
      key: 'far',
      productId: products.target,
      horizonDays: 1000,
    });
    expect(horizon.status).toBe(400);
    expect(horizon.text).toContain('horizonDays');
  });

  it('answers 404 with how to start one before the first training', async () => {
    for (const key of ['target', 'noise', 'rare'] as const) {
      const created = await a.api.post('/v1/models', { key, productId: products[key], horizonDays: HORIZON });
      expect(created.status, created.text).toBe(201);
      expect(created.headers.get('location')).toBe(`/v1/models/${created.body.id}`);
      models[key] = created.body.id;
    }
    const early = await a.api.get(`/v1/models/${models.target}`);
    expect(early.status).toBe(404);
    expect(early.body.detail).toContain('POST /v1/analytics/runs');
    expect((await a.api.post('/v1/models', { key: 'target', productId: products.noise })).status).toBe(409);
  });

  // The daily run alone takes about 25 s here; beside a file that loads DynamoDB Local and DuckDB
  // as hard, CI saw it pass 300 s. The ceiling is for a hang, not a measure (the bench measures).
  it('recovers the planted feature with AUC ≥ 0.75, and reports chance on noise', {
    timeout: 600_000,
  }, async () => {
    await runDaily();
    const target = (await a.api.get(`/v1/models/${models.target}`)).body;
    expect(target.training.status).toBe('trained');
    expect(target.training.auc).toBeGreaterThanOrEqual(0.75);
    expect(target.training.topFeatures[0]).toMatchObject({ feature: 'income_band=over_200k' });
    expect(target.training.topFeatures[0].weight).toBeGreaterThan(0);
    expect(target.training.trainingSize + target.training.testSize).toBe(800);
    expect(target.training.scored).toBe(800);
    // Calibration: the held-out contacts in the bands add up, and the top band buys more than the bottom one.
    const bands = target.training.calibration;
    expect(bands.reduce((n: number, b: { contacts: number }) => n + b.contacts, 0)).toBe(
      target.training.testSize,
    );
    expect(bands.at(-1).observed).toBeGreaterThan(bands[0].observed);

    const noise = (await a.api.get(`/v1/models/${models.noise}`)).body;
    expect(noise.training.status).toBe('trained');
    expect(noise.training.auc).toBeGreaterThan(0.35);
    expect(noise.training.auc).toBeLessThan(0.65);
  });

  it('says when there is too little data, with the counts, and writes no scores', async () => {
    const rare = (await a.api.get(`/v1/models/${models.rare}`)).body;
    expect(rare.training).toMatchObject({
      status: 'insufficient_data',
      positives: 0,
      negatives: 800,
      scored: 0,
    });
    expect(rare.training.message).toContain('0 buyers');
    expect(rare.training.auc).toBeUndefined();
  });
});
