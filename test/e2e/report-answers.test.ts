import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * What a report answers when the world moves under it: the tenant's settings change, the days go
 * by, an event is delivered twice with other dimensions, a filter names a product. Each case has
 * a tenant of its own, so its facts are the only ones its reports see.
 */
const DAY = 86_400_000;

let runtime: LocalRuntime;
let events: EventBridgeClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  events = new EventBridgeClient({
    endpoint: runtime.urls.aws,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 120_000);

afterAll(async () => {
  events?.destroy();
  await runtime?.stop();
});

interface Fact {
  module: string;
  type: string;
  at: string;
  payload: Record<string, unknown>;
  eventId?: string;
}

async function publish(tenant: SignedUpTenant, facts: Fact[]): Promise<void> {
  const result = await events.send(
    new PutEventsCommand({
      Entries: facts.map((f) => ({
        EventBusName: 'funnel-local',
        Source: `funnel.${f.module}`,
        DetailType: f.type,
        Detail: JSON.stringify({
          ...f.payload,
          eventId: f.eventId ?? newId(),
          tenantId: tenant.tenantId,
          occurredAt: f.at,
        }),
      })),
    }),
  );
  expect(result.FailedEntryCount).toBe(0);
  await runtime.settle();
}

/** Moves every handler's "now" (undefined: back to the system's). */
async function moveClock(to: Date | undefined): Promise<void> {
  const response = await fetch(`${runtime.urls.api}/_local/clock`, {
    method: to ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(to ? { body: JSON.stringify({ now: to.toISOString() }) } : {}),
  });
  expect(response.ok).toBe(true);
}

async function ok(response: Promise<{ status: number; body: any; text: string }>) {
  const r = await response;
  if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
  return r.body;
}

async function customer(tenant: SignedUpTenant, country: string, region: string): Promise<string> {
  const created = await ok(
    tenant.api.post('/v1/contacts', {
      firstName: 'Test',
      lastName: region,
      email: `${newId().toLowerCase()}@customer.example`,
      addresses: [{ country, region }],
    }),
  );
  return created.id;
}

const won = (amount: number, at: string): Fact => ({
  module: 'sales',
  type: 'DealWon',
  at,
  payload: { dealId: newId(), pipelineId: newId(), amount, currency: 'EUR', contactIds: [] },
});

describe('a cached report', () => {
  it("is computed afresh once the tenant's time zone or currency changes", async () => {
    const tenant = await signUpOverHttp(runtime);
    // 00:30 on 1 April in Paris, 22:30 on 31 March in UTC.
    await publish(tenant, [won(1000, '2025-03-31T22:30:00Z')]);
    const path = '/v1/reports/sales-closed?from=2025-01-01&to=2025-06-30&grain=quarter';
    const wonByQuarter = async () => (await ok(tenant.api.get(path))).rows.map((r: any) => [r.period, r.won]);
    expect(await wonByQuarter()).toEqual([
      ['2025-01-01', 0],
      ['2025-04-01', 1],
    ]);

    const current = await tenant.api.get('/v1/tenant');
    const changed = await tenant.api.patch(
      '/v1/tenant',
      { timeZone: 'UTC' },
      { headers: { 'if-match': current.headers.get('etag')! } },
    );
    expect(changed.status, changed.text).toBe(200);
    expect(await wonByQuarter()).toEqual([
      ['2025-01-01', 1],
      ['2025-04-01', 0],
    ]);
  });

  it('ages receivables as the days pass, with no new fact', async () => {
    const tenant = await signUpOverHttp(runtime);
    const contactId = await customer(tenant, 'FR', 'Bretagne');
    const now = new Date();
    const day = (at: Date) => at.toISOString().slice(0, 10);
    // Due in five days; the report asks about the month, whose end is still ahead.
    await publish(tenant, [
      {
        module: 'invoicing',
        type: 'InvoiceIssued',
        at: new Date(now.getTime() - 3_600_000).toISOString(),
        payload: {
          invoiceId: newId(),
          number: 'R-1',
          contactId,
          currency: 'EUR',
          total: 1000,
          issueDate: day(now),
          dueDate: day(new Date(now.getTime() + 5 * DAY)),
        },
      },
    ]);
    const from = day(new Date(now.getTime() - 20 * DAY));
    const to = day(new Date(now.getTime() + 40 * DAY));
    const path = `/v1/reports/receivables?from=${from}&to=${to}&grain=year`;
    const aging = async () => {
      const [row] = (await ok(tenant.api.get(path))).rows;
      return { current: row.current, days1To30: row.days1To30 };
    };
    expect(await aging()).toEqual({ current: 1000, days1To30: 0 });

    // A week later (the local runtime's clock, as POST /_local/clock moves it).
    await moveClock(new Date(now.getTime() + 7 * DAY));
    try {
      expect(await aging()).toEqual({ current: 0, days1To30: 1000 });
    } finally {
      await moveClock(undefined);
    }
  });
});

describe('an event delivered twice', () => {
  it('counts once, under the dimensions of the first copy, whichever filter asks', async () => {
    const tenant = await signUpOverHttp(runtime);
    const contactId = await customer(tenant, 'FR', 'Bretagne');
    const order: Fact = {
      module: 'sales',
      type: 'OrderPlaced',
      at: '2025-03-10T10:00:00Z',
      eventId: newId(),
      payload: {
        orderId: newId(),
        contactId,
        productIds: [],
        total: 1000,
        currency: 'EUR',
        backordered: false,
      },
    };
    await publish(tenant, [order]);
    // The customer moves; the same event arrives again and is enriched with the new region.
    const current = await tenant.api.get(`/v1/contacts/${contactId}`);
    const moved = await tenant.api.patch(
      `/v1/contacts/${contactId}`,
      { addresses: [{ country: 'DE', region: 'Bayern' }] },
      { headers: { 'if-match': current.headers.get('etag')! } },
    );
    expect(moved.status, moved.text).toBe(200);
    await runtime.settle();
    await publish(tenant, [order]);

    const booked = async (query: string) =>
      (
        await ok(
          tenant.api.get(`/v1/reports/sales-by-region?from=2025-01-01&to=2025-12-31&grain=year${query}`),
        )
      ).rows
        .filter((r: any) => r.booked)
        .map((r: any) => [r.region ?? r.country, r.booked]);
    expect(await booked('')).toEqual([['Bretagne', 1000]]);
    expect(await booked('&region=Bretagne')).toEqual([['Bretagne', 1000]]);
    expect(await booked('&region=Bayern')).toEqual([]);
    expect(await booked('&by=country&country=DE')).toEqual([]);
  });
});

describe('sales by region filtered on a product or a category', () => {
  it('counts the matching lines, whatever the grouping', async () => {
    const tenant = await signUpOverHttp(runtime);
    const contactId = await customer(tenant, 'FR', 'Bretagne');
    const product = async (name: string, category: string, unitAmount: number) =>
      ok(
        tenant.api.post('/v1/products', {
          sku: `S-${newId()}`,
          name,
          category,
          trackStock: false,
          prices: [{ currency: 'EUR', unitAmount }],
        }),
      );
    const [box, bars] = [await product('Roof box', 'Racks', 1000), await product('Bars', 'Parts', 300)];
    const order = await tenant.api.post('/v1/orders', {
      contactId,
      lines: [
        { productId: box.id, quantity: 2 },
        { productId: bars.id, quantity: 1 },
      ],
    });
    expect(order.status, order.text).toBe(201);
    await runtime.settle();

    const year = new Date().toISOString().slice(0, 4);
    const booked = async (query: string) =>
      (
        await ok(
          tenant.api.get(
            `/v1/reports/sales-by-region?from=${year}-01-01&to=${year}-12-31&grain=year${query}`,
          ),
        )
      ).rows
        .filter((r: any) => r.booked)
        .map((r: any) => [r.region ?? r.country ?? r.productId ?? r.category, r.booked]);
    const [[, whole]] = await booked('');
    expect(whole).toBeGreaterThanOrEqual(2300);
    expect(await booked(`&product=${box.id}`)).toEqual([['Bretagne', 2000]]);
    expect(await booked('&category=Parts')).toEqual([['Bretagne', 300]]);
    expect(await booked(`&by=country&product=${bars.id}`)).toEqual([['FR', 300]]);
    expect(await booked('&by=category&category=Racks')).toEqual([['Racks', 2000]]);
  });
});

describe('defaults', () => {
  it('give activity weeks, and twelve months ending at `to` when only `to` is given', async () => {
    const tenant = await signUpOverHttp(runtime);
    const activity = await ok(tenant.api.get('/v1/reports/activity?from=2025-03-01&to=2025-03-31'));
    expect(activity.period.grain).toBe('week');
    const sales = await ok(tenant.api.get('/v1/reports/sales-closed?to=2024-06-30'));
    expect(sales.period).toMatchObject({ from: '2023-07-01', to: '2024-06-30', grain: 'month' });
  });
});

describe('a custom report of contact changes', () => {
  it('counts each change once when filtered on fields, and keeps creations when grouped by field', async () => {
    const tenant = await signUpOverHttp(runtime);
    const [c1, c2] = [newId(), newId()];
    const change = (type: string, contactId: string, at: string, fields?: string[]): Fact => ({
      module: 'contacts',
      type,
      at,
      payload: { contactId, lifecycleStage: 'lead', ...(fields ? { fields } : {}) },
    });
    await publish(tenant, [
      change('ContactCreated', c1, '2025-05-01T10:00:00Z'),
      change('ContactCreated', c2, '2025-05-01T10:00:00Z'),
      change('ContactUpdated', c1, '2025-05-02T10:00:00Z', ['email', 'phone', 'lastName']),
      change('ContactUpdated', c2, '2025-05-03T10:00:00Z', ['phone']),
    ]);
    const rows = async (definition: Record<string, unknown>) => {
      const report = await ok(
        tenant.api.post('/v1/reports/custom', {
          name: 'Changes',
          dataset: 'contacts',
          measures: ['events'],
          ...definition,
        }),
      );
      return (
        await ok(tenant.api.get(`/v1/reports/custom/${report.id}/results?from=2025-01-01&to=2025-12-31`))
      ).rows;
    };
    const byEvent = (list: any[]) => Object.fromEntries(list.map((r) => [r.event, r.events]));
    expect(
      byEvent(
        await rows({
          dimensions: ['event'],
          filters: [{ dimension: 'field', op: 'not_in', values: ['zzz'] }],
        }),
      ),
    ).toEqual({ ContactCreated: 2, ContactUpdated: 2 });
    expect(
      byEvent(
        await rows({
          dimensions: ['event'],
          filters: [{ dimension: 'field', op: 'in', values: ['email', 'phone'] }],
        }),
      ),
    ).toEqual({ ContactUpdated: 2 });
    const byField = await rows({ dimensions: ['field'] });
    expect(Object.fromEntries(byField.map((r: any) => [r.field ?? '(none)', r.events]))).toEqual({
      '(none)': 2,
      email: 1,
      phone: 2,
      lastName: 1,
    });
  });
});
