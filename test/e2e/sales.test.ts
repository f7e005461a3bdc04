import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutEventsEntry } from '../../infra/local/aws/event-bus.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The sales funnel end to end, through the local runtime: a lead becomes a won deal and a
 * fulfilled order, the quote is emailed once, stock is reserved, deducted and replenished by a
 * purchase order, and every step reaches the bus from committed writes.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
const published: Array<{ type: string; detail: Record<string, any> }> = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  const putEvents = runtime.bus.putEvents.bind(runtime.bus);
  runtime.bus.putEvents = (entries: PutEventsEntry[]) => {
    for (const entry of entries)
      if (entry.Source === 'funnel.sales')
        published.push({ type: entry.DetailType!, detail: JSON.parse(entry.Detail!) });
    return putEvents(entries);
  };
  tenant = await signUpOverHttp(runtime, { settings: { emailPurchaseOrders: true } });
});

afterAll(async () => {
  await runtime?.stop();
});

async function mailsTo(address: string) {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: unknown[] };
  return (
    store.emails as Array<{ destination: { to: string[] }; subject: string; body: { text: string } }>
  ).filter((mail) => mail.destination.to.some((to) => to.includes(address)));
}

async function created<T = any>(response: Promise<{ status: number; body: T; text: string }>, status = 201) {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

async function salesRep(admin: Api) {
  const member = await created(
    admin.post('/v1/members', {
      name: 'Sam Sales',
      email: `sam-${Date.now()}@acme.example`,
      role: 'sales',
      team: 'emea',
    }),
  );
  const key = await created(admin.post('/v1/api-keys', { name: 'Sam', memberId: member.id }));
  return { id: member.id as string, api: admin.as(key.key) };
}

describe('the sales funnel', () => {
  it('takes a lead to a won deal and a fulfilled order, with the quote emailed and stock kept', async () => {
    const admin = tenant.api;
    const sam = await salesRep(admin);
    await created(
      admin.put('/v1/lead-assignment-rules', {
        rules: [{ id: 'emea', match: { regions: ['fr'] }, assign: { type: 'round_robin', team: 'emea' } }],
      }),
      200,
    );
    const pipeline = await created(
      admin.post('/v1/pipelines', {
        name: 'New business',
        stages: [
          { name: 'Qualify' },
          { name: 'Propose' },
          { name: 'Won', outcome: 'won' },
          { name: 'Lost', outcome: 'lost' },
        ],
      }),
    );
    const supplierEmail = `orders-${Date.now()}@supplier.example`;
    const supplier = await created(admin.post('/v1/suppliers', { name: 'Chairs Inc', email: supplierEmail }));
    const chair = await created(
      sam.api.post('/v1/products', {
        sku: 'CHAIR-E2E',
        name: 'Office chair',
        prices: [{ currency: 'EUR', unitAmount: 20_000 }],
        taxRateBps: 2000,
        leadTimeDays: 7,
        minOrderQuantity: 5,
        supplierId: supplier.id,
        optionGroups: [
          {
            id: 'colour',
            name: 'Colour',
            choices: [
              { id: 'grey', name: 'Grey' },
              {
                id: 'red',
                name: 'Red',
                priceDeltas: [{ currency: 'EUR', amount: 1500 }],
                extraLeadTimeDays: 3,
              },
            ],
          },
          {
            id: 'arms',
            name: 'Arm rests',
            required: false,
            choices: [
              { id: 'none', name: 'None' },
              { id: 'padded', name: 'Padded' },
            ],
          },
        ],
        rules: [
          {
            id: 'red-padded',
            type: 'requires',
            when: { group: 'colour', choice: 'red' },
            choices: [{ group: 'arms', choice: 'padded' }],
          },
        ],
      }),
    );
    await created(
      sam.api.post(`/v1/products/${chair.id}/stock-adjustments`, { quantity: 12, reason: 'count' }),
      200,
    );
    await created(
      sam.api.patch(`/v1/products/${chair.id}/stock`, { reorderPoint: 5, reorderQuantity: 20 }),
      200,
    );

    // The configurator names the broken rule.
    const broken = await sam.api.post(`/v1/products/${chair.id}/configure`, { selection: { colour: 'red' } });
    expect(broken.status).toBe(400);
    expect(broken.body.rule.id).toBe('red-padded');
    expect(broken.body.errors[0].path).toBe('body.selection');

    // A lead arrives and goes to the EMEA team; conversion opens the deal.
    const contactEmail = `grace-${Date.now()}@navy.example`;
    const lead = await created(
      admin.post('/v1/leads', {
        source: 'Web',
        region: 'FR',
        person: { firstName: 'Grace', lastName: 'Hopper', email: contactEmail },
        company: { name: 'Navy', domain: `navy-${Date.now()}.example` },
      }),
    );
    expect(lead.ownerId).toBe(sam.id);
    const conversion = await created(
      sam.api.post(`/v1/leads/${lead.id}/convert`, { amount: 120_000, pipelineId: pipeline.id }),
    );
    const { deal, contactId } = conversion;
    expect(deal).toMatchObject({ pipelineId: pipeline.id, stageId: pipeline.stages[0].id, ownerId: sam.id });

    // The contact asks for a quote; below the minimum order quantity is refused, naming the product.
    const rfq = await created(
      sam.api.post('/v1/quotes', { contactId, dealId: deal.id, request: { message: 'Six red chairs?' } }),
    );
    expect(rfq.status).toBe('requested');
    const tooFew = await sam.api.patch(`/v1/quotes/${rfq.id}`, {
      lines: [{ productId: chair.id, quantity: 2, selection: { colour: 'grey' } }],
    });
    expect(tooFew.status).toBe(400);
    expect(tooFew.body.errors[0]).toMatchObject({ path: 'body.lines.0.quantity' });
    expect(tooFew.body.errors[0].message).toContain(
      'CHAIR-E2E (Office chair) has a minimum order quantity of 5',
    );
    const draft = await created(
      sam.api.patch(`/v1/quotes/${rfq.id}`, {
        lines: [{ productId: chair.id, quantity: 6, selection: { colour: 'red', arms: 'padded' } }],
      }),
      200,
    );
    expect(draft).toMatchObject({ status: 'draft', subtotal: 129_000, taxTotal: 25_800, total: 154_800 });
    expect(draft.lines[0].leadTimeDays).toBe(10);

    // Sending emails the quote once, however often the request is retried.
    const headers = { 'idempotency-key': `send-${rfq.id}` };
    const sent = await created(sam.api.post(`/v1/quotes/${rfq.id}/send`, undefined, { headers }), 200);
    expect(sent.status).toBe('sent');
    const replayed = await sam.api.post(`/v1/quotes/${rfq.id}/send`, undefined, { headers });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await sam.api.post(`/v1/quotes/${rfq.id}/send`)).status).toBe(200);
    await runtime.settle();
    const quoteMails = await mailsTo(contactEmail);
    expect(quoteMails).toHaveLength(1);
    expect(quoteMails[0]!.body.text).toContain(
      '6 × Office chair (Colour: Red; Arm rests: Padded) [CHAIR-E2E]',
    );

    // Accepted, ordered, won, shipped.
    await created(sam.api.post(`/v1/quotes/${rfq.id}/accept`), 200);
    const order = await created(sam.api.post('/v1/orders', { quoteId: rfq.id }));
    expect(order).toMatchObject({ status: 'placed', total: 154_800, contactId });
    expect((await sam.api.get(`/v1/products/${chair.id}/stock`)).body).toMatchObject({
      onHand: 12,
      reserved: 6,
      available: 6,
    });
    const current = await sam.api.get(`/v1/deals/${deal.id}`);
    const won = await sam.api.patch(
      `/v1/deals/${deal.id}`,
      { stageId: pipeline.stages[2].id, amount: 154_800 },
      { headers: { 'if-match': current.headers.get('etag')! } },
    );
    expect(won.status, won.text).toBe(200);
    expect(won.body.status).toBe('won');
    await created(sam.api.post(`/v1/orders/${order.id}/fulfil`), 200);
    expect((await sam.api.get(`/v1/products/${chair.id}/stock`)).body).toMatchObject({
      onHand: 6,
      reserved: 0,
    });

    // Another contact's order takes the chair below its reorder point: a purchase order goes out.
    const other = await created(admin.post('/v1/contacts', { firstName: 'Alan', lastName: 'Turing' }));
    const beyond = await sam.api.post('/v1/orders', {
      contactId: other.id,
      lines: [{ productId: chair.id, quantity: 7, selection: { colour: 'grey' } }],
    });
    expect(beyond.status).toBe(409);
    await created(
      sam.api.post('/v1/orders', {
        contactId: other.id,
        lines: [{ productId: chair.id, quantity: 5, selection: { colour: 'grey' } }],
      }),
    );
    await runtime.settle();
    const purchaseOrders = (await sam.api.get('/v1/purchase-orders?status=sent')).body.items;
    expect(purchaseOrders).toHaveLength(1);
    expect(purchaseOrders[0]).toMatchObject({
      supplierId: supplier.id,
      lines: [{ productId: chair.id, quantity: 20 }],
    });
    expect((await sam.api.get(`/v1/products/${chair.id}/stock`)).body).toMatchObject({
      available: 1,
      onOrder: 20,
    });
    expect(await mailsTo(supplierEmail)).toHaveLength(1);

    // What the contact bought, and the funnel.
    const purchases = (await sam.api.get(`/v1/contacts/${contactId}/purchases`)).body;
    expect(purchases).toMatchObject({
      orderCount: 1,
      items: [{ productId: chair.id, sku: 'CHAIR-E2E', quantity: 6 }],
    });
    const funnel = (await sam.api.get(`/v1/pipelines/${pipeline.id}/funnel`)).body;
    expect(funnel.stages.map((s: { count: number }) => s.count)).toEqual([0, 0, 1, 0]);
    expect(funnel.stages[2].values).toEqual([{ currency: 'EUR', amount: 154_800, weightedAmount: 154_800 }]);

    // Every step is an event on the bus.
    const types = published.map((e) => e.type);
    for (const type of [
      'ProductCreated',
      'StockChanged',
      'LeadReceived',
      'LeadAssigned',
      'LeadConverted',
      'DealCreated',
      'QuoteRequested',
      'QuoteDrafted',
      'QuoteSent',
      'QuoteAccepted',
      'OrderPlaced',
      'PurchaseRecorded',
      'DealStageChanged',
      'DealWon',
      'OrderFulfilled',
      'StockBelowReorderPoint',
      'PurchaseOrderDrafted',
      'PurchaseOrderSent',
    ])
      expect(types, type).toContain(type);
    expect(types.filter((t) => t === 'QuoteSent')).toHaveLength(1);
    const requested = published.find((e) => e.type === 'QuoteRequested')!;
    expect(requested.detail).toMatchObject({
      quoteId: rfq.id,
      contactId,
      ownerId: sam.id,
      tenantId: tenant.tenantId,
    });
    expect(runtime.deadLetters.list()).toEqual([]);
  });

  it('neither fails its mail nor becomes an order when its contact was erased after it was sent', async () => {
    const admin = tenant.api;
    const product = await created(
      admin.post('/v1/products', {
        sku: 'DESK-ERASED',
        name: 'Desk',
        prices: [{ currency: 'EUR', unitAmount: 20_000 }],
      }),
    );
    const email = `eve-${Date.now()}@example.com`;
    const contact = await created(
      admin.post('/v1/contacts', { firstName: 'Eve', lastName: 'Erased', email }),
    );
    const quote = await created(
      admin.post('/v1/quotes', { contactId: contact.id, lines: [{ productId: product.id, quantity: 1 }] }),
    );
    await created(admin.post(`/v1/quotes/${quote.id}/send`), 200);
    expect((await admin.delete(`/v1/contacts/${contact.id}`)).status).toBe(204);
    await runtime.settle();
    expect(runtime.deadLetters.list().filter((d) => JSON.stringify(d).includes(quote.id))).toEqual([]);
    // Accepting it is still a fact about the quote (kept for the numbers); ordering it is not possible.
    await created(admin.post(`/v1/quotes/${quote.id}/accept`), 200);
    const order = await admin.post('/v1/orders', { quoteId: quote.id });
    expect(order.status, order.text).toBe(409);
    expect(order.body.reason).toBe('contact_gone');
  });

  it('records sent quotes past their validity as expired in the daily per-tenant job', async () => {
    const admin = tenant.api;
    const product = await created(
      admin.post('/v1/products', {
        sku: 'LAMP-E2E',
        name: 'Lamp',
        prices: [{ currency: 'EUR', unitAmount: 5000 }],
      }),
    );
    const contact = await created(
      admin.post('/v1/contacts', {
        firstName: 'Ida',
        lastName: 'Late',
        email: `ida-${Date.now()}@example.com`,
      }),
    );
    const quote = await created(
      admin.post('/v1/quotes', { contactId: contact.id, lines: [{ productId: product.id, quantity: 1 }] }),
    );
    await created(admin.post(`/v1/quotes/${quote.id}/send`), 200);
    await runtime.settle();
    const [run] = await runtime.scheduler.runNow(`quote-expiry-${tenant.tenantId}`, {
      asOf: `${quote.validUntil}T23:59:00Z`,
    });
    expect(run).toMatchObject({ ok: true, result: { expired: 1 } });
    await runtime.settle();
    const expired = await admin.get(`/v1/quotes/${quote.id}`);
    expect(expired.body).toMatchObject({ status: 'expired' });
    expect((await admin.post(`/v1/quotes/${quote.id}/accept`)).status).toBe(409);
    expect(published.filter((e) => e.type === 'QuoteExpired').map((e) => e.detail.quoteId)).toEqual([
      quote.id,
    ]);
  });
});
