import type { Api } from '../../support/api.ts';
import { isolationFixtures } from '../fixtures/index.ts';

/**
 * What the contention suite needs per versioned write route: a resource in the state where the
 * write is allowed, and a body. Routes not listed here use their isolation fixture (which makes
 * the resource and gives a valid body); the ones below need a state the isolation fixture does
 * not reach (a sent quote to accept, a fulfilled order to return goods of).
 */
export interface ContentionFixture {
  create(admin: Api): Promise<Record<string, string>>;
  body?: (params: Record<string, string>) => unknown;
}

async function ok<T = any>(response: Promise<{ status: number; body: T; text: string }>): Promise<T> {
  const r = await response;
  if (r.status >= 300) throw new Error(`Fixture request failed: ${r.status} ${r.text}`);
  return r.body;
}

let unique = 0;
const next = () => `${Date.now().toString(36)}${unique++}`;

async function stockedProduct(admin: Api) {
  const product = await ok(
    admin.post('/v1/products', {
      sku: `CON-${next()}`,
      name: 'Contended',
      prices: [{ currency: 'EUR', unitAmount: 100 }],
    }),
  );
  await ok(admin.post(`/v1/products/${product.id}/stock-adjustments`, { quantity: 100, reason: 'count' }));
  return product;
}

async function sentQuote(admin: Api) {
  const contact = await ok(
    admin.post('/v1/contacts', { firstName: 'Con', lastName: 'Tended', email: `con-${next()}@example.com` }),
  );
  const product = await stockedProduct(admin);
  const quote = await ok(
    admin.post('/v1/quotes', { contactId: contact.id, lines: [{ productId: product.id, quantity: 1 }] }),
  );
  await ok(admin.post(`/v1/quotes/${quote.id}/send`));
  return { id: quote.id as string };
}

async function fulfilledOrder(admin: Api) {
  const contact = await ok(admin.post('/v1/contacts', { firstName: 'Con', lastName: 'Tended' }));
  const product = await stockedProduct(admin);
  const order = await ok(
    admin.post('/v1/orders', { contactId: contact.id, lines: [{ productId: product.id, quantity: 20 }] }),
  );
  await ok(admin.post(`/v1/orders/${order.id}/fulfil`));
  return { id: order.id as string, lineId: order.lines[0].id as string };
}

async function sentPurchaseOrder(admin: Api) {
  const product = await stockedProduct(admin);
  const supplier = await ok(admin.post('/v1/suppliers', { name: 'Contended', email: 'c@supplier.example' }));
  const po = await ok(
    admin.post('/v1/purchase-orders', {
      supplierId: supplier.id,
      lines: [{ productId: product.id, quantity: 5 }],
    }),
  );
  await ok(admin.post(`/v1/purchase-orders/${po.id}/send`));
  return { id: po.id as string };
}

async function issuedInvoice(admin: Api) {
  const contact = await ok(admin.post('/v1/contacts', { firstName: 'Con', lastName: 'Tended' }));
  const invoice = await ok(
    admin.post('/v1/invoices', {
      contactId: contact.id,
      lines: [{ description: 'Work', quantity: 1, unitAmount: 10_000, taxRateBps: 0 }],
    }),
  );
  await ok(admin.post(`/v1/invoices/${invoice.id}/issue`));
  return { id: invoice.id as string };
}

const none = async () => ({});

/** Keyed by `METHOD path`. */
export const contentionFixtures: Record<string, ContentionFixture> = {
  'PATCH /v1/tenant': { create: none, body: () => ({ name: 'Contended Company' }) },
  'PUT /v1/dunning-policy': {
    create: none,
    body: () => ({
      levels: [
        {
          id: 'reminder',
          name: 'Reminder',
          offsetDays: 3,
          email: { subject: 'Reminder', text: 'Please pay.' },
        },
      ],
      paymentInstructions: 'Transfer to the account on the invoice.',
    }),
  },
  'PUT /v1/lead-assignment-rules': { create: none, body: () => ({ rules: [] }) },
  'POST /v1/quotes/{id}/accept': { create: sentQuote },
  'POST /v1/quotes/{id}/reject': { create: sentQuote, body: () => ({ reason: 'Too expensive' }) },
  'POST /v1/orders/{id}/returns': {
    create: fulfilledOrder,
    body: (params) => ({ lines: [{ lineId: params.lineId, quantity: 1, restock: true }] }),
  },
  'POST /v1/purchase-orders/{id}/receive': { create: sentPurchaseOrder },
  'POST /v1/invoices/{id}/void': { create: issuedInvoice },
  'POST /v1/invoices/{id}/mark-uncollectible': { create: issuedInvoice },
};

/** The fixture of a route: its own above, or the isolation suite's. */
export function contentionFixture(method: string, path: string): ContentionFixture | undefined {
  const own = contentionFixtures[`${method} ${path}`];
  if (own) return own;
  const isolation = isolationFixtures[path];
  if (!isolation) return undefined;
  const body = isolation.bodies?.[method as 'POST'];
  return { create: isolation.create, ...(body !== undefined ? { body: () => body } : {}) };
}
