import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import {
  daysBefore,
  type Order,
  runAnalyticsDaily,
  seeded,
  writeOrderFacts,
} from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Basket analysis on a planted history of 200 orders (shuffled by a seeded generator, which
 * changes nothing in the counts):
 *
 * | orders | products |
 * |---|---|
 * | 40 | roof box, roof bars |
 * | 10 | roof box, snow chains |
 * | 20 | roof bars, wiper blades |
 * | 30 | snow chains |
 * | 100 | wiper blades, floor mats |
 *
 * By hand, for roof box → roof bars: support 40/200 = 0.2; confidence 40/50 = 0.8; roof bars are in
 * 60 of 200 orders, so lift = 0.8 ÷ 0.3 = 2.6667. Roof box → snow chains: confidence 10/50 = 0.2,
 * snow chains in 40/200 = 0.2 of orders, lift 1 (no relation). Cancelled orders count for nothing.
 */
const AS_OF = new Date('2026-06-30T12:00:00Z');

let runtime: LocalRuntime;
let a: SignedUpTenant;
let b: SignedUpTenant;
const products = {} as Record<'box' | 'bars' | 'chains' | 'wipers' | 'mats', string>;

const runDaily = () => runAnalyticsDaily(runtime.urls.api, a.tenantId, AS_OF);

beforeAll(async () => {
  runtime = await startTestRuntime();
  [a, b] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  const names = {
    box: 'Roof box',
    bars: 'Roof bars',
    chains: 'Snow chains',
    wipers: 'Wiper blades',
    mats: 'Floor mats',
  };
  for (const [key, name] of Object.entries(names)) {
    const created = await a.api.post('/v1/products', {
      sku: `${key.toUpperCase()}-${newId().slice(-6)}`,
      name,
      prices: [{ currency: 'EUR', unitAmount: 5000 }],
    });
    expect(created.status, created.text).toBe(201);
    products[key as keyof typeof products] = created.body.id;
  }
  const baskets: Array<[number, string[]]> = [
    [40, [products.box, products.bars]],
    [10, [products.box, products.chains]],
    [20, [products.bars, products.wipers]],
    [30, [products.chains]],
    [100, [products.wipers, products.mats]],
  ];
  const { int } = seeded(14);
  const orders: Order[] = baskets.flatMap(([count, basket]) =>
    Array.from({ length: count }, () => ({
      contactId: newId(),
      at: daysBefore(AS_OF, int(1, 300)),
      amount: 10_000,
      products: basket,
    })),
  );
  await writeOrderFacts(runtime.urls.s3, a.tenantId, orders);
  await runtime.settle();
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('basket analysis', () => {
  it('answers 404 with how to start one before the first mining', async () => {
    const response = await a.api.get(`/v1/products/${products.box}/bought-together`);
    expect(response.status).toBe(404);
    expect(response.body.detail).toContain('POST /v1/analytics/runs');
  });

  it('finds the planted rule with its hand-computed support, confidence and lift', async () => {
    const result = await runDaily();
    expect(result.basket.orders).toBe(200);

    const together = await a.api.get(`/v1/products/${products.box}/bought-together`);
    expect(together.status, together.text).toBe(200);
    expect(together.body.orders).toBe(200);
    expect(together.body.items).toEqual([
      {
        productId: products.bars,
        name: 'Roof bars',
        orders: 40,
        support: 0.2,
        confidence: 0.8,
        lift: 2.6667,
      },
      {
        productId: products.chains,
        name: 'Snow chains',
        orders: 10,
        support: 0.05,
        confidence: 0.2,
        lift: 1,
      },
    ]);
    const strong = await a.api.get(`/v1/products/${products.box}/bought-together?minLift=1.5`);
    expect(strong.body.items.map((i: { productId: string }) => i.productId)).toEqual([products.bars]);
    // The other direction: 40 of the 60 orders with roof bars hold a roof box (50 of 200 orders).
    const back = await a.api.get(`/v1/products/${products.bars}/bought-together?minConfidence=0.5`);
    expect(back.body.items).toEqual([
      {
        productId: products.box,
        name: 'Roof box',
        orders: 40,
        support: 0.2,
        confidence: 0.6667,
        lift: 2.6667,
      },
    ]);
  });

  it('refuses thresholds out of range with the field path, and unknown products with 404', async () => {
    const zero = await a.api.get(`/v1/products/${products.box}/bought-together?minSupport=0`);
    expect(zero.status).toBe(400);
    expect(zero.text).toContain('minSupport');
    const over = await a.api.get(`/v1/products/${products.box}/bought-together?minConfidence=1.5`);
    expect(over.status).toBe(400);
    expect(over.text).toContain('minConfidence');
    const floor = await a.api.get(`/v1/products/${products.box}/bought-together?minSupport=0.0001`);
    expect(floor.status).toBe(400);
    expect(floor.text).toContain('query.minSupport');
    expect((await a.api.get(`/v1/products/${newId()}/bought-together`)).status).toBe(404);
  });

  it("keeps each tenant's rules its own", async () => {
    expect((await b.api.get(`/v1/products/${products.box}/bought-together`)).status).toBe(404);
  });
});
