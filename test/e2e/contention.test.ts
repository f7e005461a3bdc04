import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type AnyRoute, isTenantRoute, routeKey } from '../../shared/platform/http/route.ts';
import type { ApiResponse } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { contentionFixture } from './contention/fixtures.ts';
import { isolationFixtures } from './fixtures/index.ts';

/**
 * Concurrent writes to one record, generated from the route table so that a new versioned route
 * is covered without anyone remembering it. Without If-Match the API conventions promise that the
 * last writer wins: every write is applied in turn, none answers 412, none answers 5xx. A state
 * change that only one of them can make (accept a quote, fulfil an order) answers 2xx once and
 * 409 (or 404 after a delete) to the others, from the state the winner left. With the same
 * If-Match, exactly one write succeeds and the others answer 412.
 */
const CONCURRENT = 10;

const versionedWrites = application.routes.filter(
  (r) =>
    r.versioned && r.method !== 'GET' && isTenantRoute(r) && (r.path.includes('{') || r.method !== 'POST'),
);

/** Fields whose value a test can change freely, to tell one writer's change from another's. */
const FREE_TEXT = ['name', 'title', 'firstName', 'label', 'notes', 'paymentInstructions'];

let round = 0;

/** Distinct bodies for one round of concurrent writes (and distinct from earlier rounds' values). */
function variants(body: unknown): unknown[] {
  round++;
  return Array.from({ length: CONCURRENT }, (_, i) => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
    const copy = { ...(body as Record<string, unknown>) };
    const field = FREE_TEXT.find((f) => typeof copy[f] === 'string');
    if (field) copy[field] = `${copy[field]} ${round}.${i}`;
    return copy;
  });
}

function freeTextOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  return FREE_TEXT.find((f) => typeof (body as Record<string, unknown>)[f] === 'string');
}

const fill = (path: string, params: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));

/** The GET route that reads what `route` writes, if any. */
const readerOf = (route: AnyRoute) =>
  application.routes.find((r) => r.method === 'GET' && r.path === route.path && r.versioned);

let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
});

afterAll(async () => {
  await runtime?.stop();
});

const statuses = (responses: ApiResponse[]) => responses.map((r) => r.status).sort();

describe('concurrent writes to one record', () => {
  it('covers every versioned write route', () => {
    const missing = versionedWrites.filter((r) => !contentionFixture(r.method, r.path)).map(routeKey);
    expect(missing, 'add fixtures in test/e2e/contention/fixtures.ts').toEqual([]);
  });

  it.each(versionedWrites.map((r) => [routeKey(r), r] as const))(
    '%s without If-Match: the last writer wins, no 412, no 5xx',
    async (_, route) => {
      const fixture = contentionFixture(route.method, route.path)!;
      const params = await fixture.create(tenant.api);
      const path = fill(route.path, params);
      const body = fixture.body?.(params);
      const reader = readerOf(route);
      const before = reader ? await tenant.api.get(path) : undefined;
      const bodies = variants(body);
      const responses = await Promise.all(bodies.map((b) => tenant.api.request(route.method, path, b)));
      for (const response of responses) {
        expect(response.status, response.text).not.toBe(412);
        expect(response.status, response.text).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toBe('application/problem+json');
          expect([404, 409], response.text).toContain(response.status);
        }
      }
      expect(
        responses.some((r) => r.status < 300),
        `no write succeeded: ${statuses(responses)}`,
      ).toBe(true);
      if (route.method === 'PATCH' || route.method === 'PUT') {
        expect(
          statuses(responses).every((s) => s < 300),
          JSON.stringify(statuses(responses)),
        ).toBe(true);
      }
      const field = freeTextOf(body);
      if (reader && before?.status === 200 && field) {
        // Every write was applied once, one after another; the record shows the last one's value.
        const after = await tenant.api.get(path);
        expect(after.body.version).toBe(before.body.version + CONCURRENT);
        const written = bodies.map((b) => (b as Record<string, unknown>)[field]);
        expect(written).toContain(after.body[field]);
        expect(after.body[field]).toBe(
          [...responses].sort((a, b) => a.body.version - b.body.version).at(-1)!.body[field],
        );
      }
    },
    60_000,
  );

  const pinnable = versionedWrites.filter(
    (r) =>
      (r.method === 'PATCH' || r.method === 'PUT') &&
      readerOf(r) &&
      freeTextOf(contentionFixture(r.method, r.path)?.body?.({})),
  );

  it.each(pinnable.map((r) => [routeKey(r), r] as const))(
    '%s with the same If-Match: one succeeds, the others get 412',
    async (_, route) => {
      const fixture = contentionFixture(route.method, route.path)!;
      const params = await fixture.create(tenant.api);
      const path = fill(route.path, params);
      const read = await tenant.api.get(path);
      const etag = read.headers.get('etag')!;
      const responses = await Promise.all(
        variants(fixture.body!(params)).map((body) =>
          tenant.api.request(route.method, path, body, { headers: { 'if-match': etag } }),
        ),
      );
      expect(statuses(responses)).toEqual([200, ...Array(CONCURRENT - 1).fill(412)]);
      const after = await tenant.api.get(path);
      expect(after.body.version).toBe(read.body.version + 1);
    },
    60_000,
  );
});

/**
 * The same request sent several times at once, as a double-click or a client's retry sends it, on
 * every unversioned write of a record (the isolation fixtures make the record): each answers 2xx
 * or 4xx (a delete answers 404 to the late ones), never 5xx, and never 412, since no version was
 * sent.
 */
const repeatableWrites = application.routes.filter(
  (r) =>
    !r.versioned &&
    r.method !== 'GET' &&
    isTenantRoute(r) &&
    r.path.includes('{') &&
    isolationFixtures[r.path] !== undefined &&
    // The tenant's own end (deletion, export) is not a record's write.
    !/^\/v1\/tenant\//.test(r.path),
);

describe('the same write sent at once, as a double-click sends it', () => {
  // A tenant (and API key) of its own: these requests would take the other cases over the
  // per-key rate limit.
  let clicker: SignedUpTenant;
  beforeAll(async () => {
    clicker = await signUpOverHttp(runtime);
  });

  it.each(repeatableWrites.map((r) => [routeKey(r), r] as const))(
    '%s: 2xx or 4xx each time, no 412, no 5xx',
    async (_, route) => {
      const fixture = isolationFixtures[route.path]!;
      const params = await fixture.create(clicker.api);
      const path = fill(route.path, params);
      const body = fixture.bodies?.[route.method as 'POST' | 'PATCH' | 'PUT' | 'DELETE'];
      const responses = await Promise.all(
        Array.from({ length: CONCURRENT }, () => clicker.api.request(route.method, path, body)),
      );
      const faults = responses.filter((r) => r.status >= 500 || r.status === 412);
      expect(faults.map((r) => `${r.status} ${r.text.slice(0, 300)}`)).toEqual([]);
    },
  );
});

describe('concurrent orders of one contact', () => {
  it('all commit, and the purchase history counts each once, even when the stream delivers them again', async () => {
    const { api } = tenant;
    const contact = await api.post('/v1/contacts', { firstName: 'Busy', lastName: 'Buyer' });
    const product = await api.post('/v1/products', {
      sku: `BUSY-${Date.now()}`,
      name: 'Popular',
      prices: [{ currency: 'EUR', unitAmount: 1_000 }],
    });
    await api.post(`/v1/products/${product.body.id}/stock-adjustments`, { quantity: 100, reason: 'count' });
    const quantities = Array.from({ length: 20 }, (_, i) => (i % 3) + 1);
    const orders = await Promise.all(
      quantities.map((quantity) =>
        api.post('/v1/orders', {
          contactId: contact.body.id,
          lines: [{ productId: product.body.id, quantity }],
        }),
      ),
    );
    expect(orders.map((o) => o.status)).toEqual(Array(20).fill(201));
    const lastPlaced = orders
      .map((o) => o.body.placedAt as string)
      .sort()
      .at(-1);

    const history = async () => {
      await runtime.settle();
      const purchases = await api.get(`/v1/contacts/${contact.body.id}/purchases`);
      const timeline = await api.get(`/v1/contacts/${contact.body.id}/timeline?limit=100`);
      return {
        orderCount: purchases.body.orderCount,
        lastPurchaseAt: purchases.body.lastPurchaseAt,
        bought: purchases.body.items.map((i: { productId: string; quantity: number }) => [
          i.productId,
          i.quantity,
        ]),
        placedEntries: timeline.body.items.filter((e: { title: string }) =>
          e.title.startsWith('Order placed'),
        ).length,
      };
    };
    const expected = {
      orderCount: 20,
      lastPurchaseAt: lastPlaced,
      bought: [[product.body.id, quantities.reduce((a, b) => a + b, 0)]],
      placedEntries: 20,
    };
    expect(await history()).toEqual(expected);
    const stock = await api.get(`/v1/products/${product.body.id}/stock`);
    expect(stock.body).toMatchObject({ onHand: 100, reserved: expected.bought[0]![1] });

    // The same stream records again, newest first: nothing is counted twice.
    await runtime.streams.redeliver('purchase-history', { order: 'reversed' });
    await runtime.streams.redeliver('derived-items', { order: 'reversed' });
    expect(await history()).toEqual(expected);
    expect(runtime.deadLetters.list()).toEqual([]);
  }, 120_000);
});
