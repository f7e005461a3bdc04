import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Where the modules meet, through the local runtime: an order becomes an invoice; merging two
 * customers reaches their purchase history and invoices, and erasing one leaves the invoice's
 * amounts and payments without the person (ContactsMerged and ContactErased, consumed by sales
 * and invoicing from the bus).
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let admin: Api;
let finance: Api;
let sales: Api;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime);
  admin = tenant.api;
  const [financeMember, salesMember] = await Promise.all([
    memberWithKey(admin, 'finance'),
    memberWithKey(admin, 'sales'),
  ]);
  finance = financeMember.api;
  sales = salesMember.api;
});

afterAll(async () => {
  await runtime?.stop();
});

async function ok<T = any>(response: Promise<{ status: number; body: T; text: string }>, status = 201) {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

let skus = 0;
const product = (name: string, unitAmount: number, taxRateBps: number) =>
  ok(
    sales.post('/v1/products', {
      sku: `E2E-${Date.now()}-${skus++}`,
      name,
      prices: [{ currency: 'EUR', unitAmount }],
      taxRateBps,
      trackStock: false,
    }),
  );

const customer = (firstName: string) =>
  ok(
    sales.post('/v1/contacts', {
      firstName,
      lastName: 'Hopper',
      email: `${firstName.toLowerCase()}-${Date.now()}@navy.example`,
    }),
  );

const order = (contactId: string, lines: Array<{ productId: string; quantity: number }>) =>
  ok(sales.post('/v1/orders', { contactId, lines }));

describe('an order becomes an invoice', () => {
  it('is invoiced by finance with the order’s lines and totals, issued, and only once', async () => {
    const grace = await customer('Grace');
    const [lamp, book] = await Promise.all([product('Lamp', 4_999, 2000), product('Book', 1_233, 550)]);
    const placed = await order(grace.id, [
      { productId: lamp.id, quantity: 3 },
      { productId: book.id, quantity: 2 },
    ]);
    expect(placed).toMatchObject({ subtotal: 17_463, taxTotal: 3_135, total: 20_598 });

    const refused = await sales.post(`/v1/orders/${placed.id}/invoice`, {});
    expect(refused.status).toBe(403);
    const invoice = await ok(finance.post(`/v1/orders/${placed.id}/invoice`, { issue: true }));
    expect(invoice).toMatchObject({
      status: 'open',
      number: expect.stringMatching(/^\d{4}-\d{4}$/),
      contactId: grace.id,
      orderId: placed.id,
      currency: 'EUR',
      subtotal: 17_463,
      taxTotal: 3_135,
      total: 20_598,
      amountDue: 20_598,
      lines: [
        {
          productId: lamp.id,
          description: 'Lamp',
          quantity: 3,
          unitAmount: 4_999,
          taxRateBps: 2000,
          tax: 2_999,
        },
        {
          productId: book.id,
          description: 'Book',
          quantity: 2,
          unitAmount: 1_233,
          taxRateBps: 550,
          tax: 136,
        },
      ],
    });
    expect((await admin.get(`/v1/orders/${placed.id}`)).body.invoiceId).toBe(invoice.id);

    const again = await finance.post(`/v1/orders/${placed.id}/invoice`, {});
    expect(again.status).toBe(409);
    expect(again.body.invoiceId).toBe(invoice.id);
    await runtime.settle();
    const timeline = await admin.get(`/v1/contacts/${grace.id}/timeline`);
    expect(timeline.body.items.map((e: { title: string }) => e.title)).toContain(
      `Invoice ${invoice.number} issued: 205.98 EUR, due ${invoice.dueDate}`,
    );
  });
});

describe('merging and erasing a customer reach sales and invoicing', () => {
  it("merges two customers' purchase histories and invoices into the kept one", async () => {
    const [kept, duplicate] = await Promise.all([customer('Ada'), customer('Augusta')]);
    const [lamp, book] = await Promise.all([product('Lamp', 2_000, 2000), product('Book', 1_000, 0)]);
    await order(kept.id, [{ productId: lamp.id, quantity: 1 }]);
    const duplicateOrder = await order(duplicate.id, [
      { productId: lamp.id, quantity: 2 },
      { productId: book.id, quantity: 1 },
    ]);
    const invoice = await ok(finance.post(`/v1/orders/${duplicateOrder.id}/invoice`, { issue: true }));

    const merge = await admin.post(`/v1/contacts/${kept.id}/merge`, { duplicateId: duplicate.id });
    expect(merge.status, merge.text).toBe(202);
    await runtime.settle();

    const purchases = await ok(admin.get(`/v1/contacts/${kept.id}/purchases`), 200);
    expect(purchases.orderCount).toBe(2);
    expect(
      purchases.items.map((p: { productId: string; quantity: number }) => [p.productId, p.quantity]),
    ).toEqual(
      expect.arrayContaining([
        [lamp.id, 3],
        [book.id, 1],
      ]),
    );
    const buyers = await ok(admin.get(`/v1/products/${lamp.id}/buyers`), 200);
    expect(buyers.items.map((b: { contactId: string }) => b.contactId)).toEqual([kept.id]);
    const invoices = await ok(finance.get(`/v1/invoices?contactId=${kept.id}`), 200);
    expect(invoices.items.map((i: { id: string }) => i.id)).toEqual([invoice.id]);
    expect((await finance.get(`/v1/invoices?contactId=${duplicate.id}`)).body.items).toEqual([]);
    const orders = await ok(admin.get(`/v1/orders?contactId=${kept.id}`), 200);
    expect(orders.items).toHaveLength(2);
    expect(runtime.deadLetters.list()).toEqual([]);
  });

  it('erases a customer: the invoice keeps its amounts and payments, without the person', async () => {
    const grace = await customer('Gracie');
    const lamp = await product('Lamp', 10_000, 2000);
    const placed = await order(grace.id, [{ productId: lamp.id, quantity: 1 }]);
    const invoice = await ok(finance.post(`/v1/orders/${placed.id}/invoice`, { issue: true }));
    const payment = await ok(
      finance.post(`/v1/invoices/${invoice.id}/payments`, { amount: 5_000, reference: 'SEPA-42' }),
    );

    expect((await admin.delete(`/v1/contacts/${grace.id}`)).status).toBe(204);
    await runtime.settle();

    const erased = await ok(finance.get(`/v1/invoices/${invoice.id}`), 200);
    expect(erased).toMatchObject({
      number: invoice.number,
      status: 'partially_paid',
      lines: invoice.lines,
      subtotal: 10_000,
      taxTotal: 2_000,
      total: 12_000,
      amountPaid: 5_000,
      amountDue: 7_000,
      contactErasedAt: expect.any(String),
    });
    const payments = await ok(finance.get(`/v1/invoices/${invoice.id}/payments`), 200);
    expect(payments.items).toEqual([expect.objectContaining({ id: payment.payment.id, amount: 5_000 })]);
    const print = await finance.get(`/v1/invoices/${invoice.id}/print`);
    expect(print.text).toContain('Erased contact');
    expect(print.text).not.toContain('Gracie');
    expect(print.text).not.toContain(grace.email);
    const timeline = await ok(finance.get(`/v1/invoices/${invoice.id}/timeline`), 200);
    expect(timeline.items[0]).toMatchObject({ kind: 'customer_erased' });
    const buyers = await ok(admin.get(`/v1/products/${lamp.id}/buyers`), 200);
    expect(buyers.items).toEqual([]);
    expect((await admin.get(`/v1/orders/${placed.id}`)).body).toMatchObject({ total: 12_000 });
    expect(runtime.deadLetters.list()).toEqual([]);
  });
});
