import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContact } from '../../../shared/contacts/service.ts';
import { listTimeline } from '../../../shared/contacts/timeline.ts';
import { tenantKey } from '../../../shared/platform/db/keys.ts';
import { getItem } from '../../../shared/platform/db/repository.ts';
import { ConflictError, ValidationError } from '../../../shared/platform/errors.ts';
import { OrderCreate, QuoteCreate, ReturnCreate } from '../../../shared/sales/commerce-schema.ts';
import { cancelOrder, fulfilOrder, getOrder, placeOrder, returnOrder } from '../../../shared/sales/orders.ts';
import { updateProduct } from '../../../shared/sales/products.ts';
import {
  listPurchaseOrders,
  mailPurchaseOrder,
  receivePurchaseOrder,
} from '../../../shared/sales/purchase-orders.ts';
import { buyersOf, contactsByLastPurchase, purchaseSummaryOf } from '../../../shared/sales/purchases.ts';
import { acceptQuote, createQuote, sendQuote } from '../../../shared/sales/quotes.ts';
import { getStock, reviewReorder } from '../../../shared/sales/stock.ts';
import { createSupplier } from '../../../shared/sales/suppliers.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import type { TestTenant } from '../../support/tenants.ts';
import { newTenant } from '../../support/tenants.ts';
import { mailsTo, stockedProduct, uniqueEmail } from './support.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

async function buyer(tenant: TestTenant) {
  return createContact(tenant.ctx, {
    firstName: 'Bo',
    lastName: 'Buyer',
    email: uniqueEmail('bo'),
    lifecycleStage: 'customer',
    tags: [],
  });
}

const order = (input: Record<string, unknown>) => OrderCreate.parse(input);

describe('orders and stock', () => {
  it('refuse more than the available stock with 409, unless the tenant allows back-orders', async () => {
    const strict = await newTenant();
    const product = await stockedProduct(strict.ctx, { sku: 'LAMP' }, { onHand: 3 });
    const contact = await buyer(strict);
    const error = await placeOrder(
      strict.ctx,
      order({ contactId: contact.id, lines: [{ productId: product.id, quantity: 4 }] }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe('Only 3 of LAMP available; 4 needed.');
    expect(await getStock(strict.ctx, product.id)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

    const lenient = await newTenant({ settings: { allowBackorders: true } });
    const other = await stockedProduct(lenient.ctx, {}, { onHand: 3 });
    const placed = await placeOrder(
      lenient.ctx,
      order({ contactId: (await buyer(lenient)).id, lines: [{ productId: other.id, quantity: 4 }] }),
    );
    expect(placed.lines[0]).toMatchObject({ quantity: 4, backorderedQuantity: 1 });
    expect(await getStock(lenient.ctx, other.id)).toMatchObject({ onHand: 3, reserved: 4, available: -1 });
    await expect(fulfilOrder(lenient.ctx, placed.id)).rejects.toThrow('Only 3 of');
  });

  it('never oversell when orders arrive together', async () => {
    const tenant = await newTenant();
    const product = await stockedProduct(tenant.ctx, {}, { onHand: 5 });
    const contacts = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(() => buyer(tenant)));
    const results = await Promise.allSettled(
      contacts.map((c) =>
        placeOrder(tenant.ctx, order({ contactId: c.id, lines: [{ productId: product.id, quantity: 1 }] })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const failed of results.filter((r) => r.status === 'rejected'))
      expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(await getStock(tenant.ctx, product.id, true)).toMatchObject({
      onHand: 5,
      reserved: 5,
      available: 0,
    });
  });

  it('reserve on placing, deduct on fulfilment, put back on return, release on cancellation', async () => {
    const tenant = await newTenant();
    const product = await stockedProduct(tenant.ctx, {}, { onHand: 10 });
    const contact = await buyer(tenant);
    const placed = await placeOrder(
      tenant.ctx,
      order({ contactId: contact.id, lines: [{ productId: product.id, quantity: 4 }] }),
    );
    expect(await getStock(tenant.ctx, product.id)).toMatchObject({ onHand: 10, reserved: 4, available: 6 });
    await fulfilOrder(tenant.ctx, placed.id);
    expect(await getStock(tenant.ctx, product.id)).toMatchObject({ onHand: 6, reserved: 0, available: 6 });
    const lineId = placed.lines[0]!.id;
    const partly = await returnOrder(
      tenant.ctx,
      placed.id,
      ReturnCreate.parse({ lines: [{ lineId, quantity: 1 }], reason: 'Scratched' }),
    );
    expect(partly.status).toBe('fulfilled');
    expect(await getStock(tenant.ctx, product.id)).toMatchObject({ onHand: 7, available: 7 });
    await expect(
      returnOrder(tenant.ctx, placed.id, ReturnCreate.parse({ lines: [{ lineId, quantity: 4 }] })),
    ).rejects.toThrow(ValidationError);
    const whole = await returnOrder(
      tenant.ctx,
      placed.id,
      ReturnCreate.parse({ lines: [{ lineId, quantity: 3 }] }),
    );
    expect(whole.status).toBe('returned');
    expect(await getStock(tenant.ctx, product.id)).toMatchObject({ onHand: 10, available: 10 });

    const second = await placeOrder(
      tenant.ctx,
      order({ contactId: contact.id, lines: [{ productId: product.id, quantity: 2 }] }),
    );
    await cancelOrder(tenant.ctx, second.id);
    expect(await getStock(tenant.ctx, product.id)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    await expect(fulfilOrder(tenant.ctx, second.id)).rejects.toThrow(ConflictError);
  });

  it('come from an accepted quote, once', async () => {
    const tenant = await newTenant();
    const product = await stockedProduct(tenant.ctx, {}, { onHand: 10 });
    const contact = await buyer(tenant);
    const quote = await createQuote(
      tenant.ctx,
      QuoteCreate.parse({ contactId: contact.id, lines: [{ productId: product.id, quantity: 2 }] }),
    );
    await expect(placeOrder(tenant.ctx, order({ quoteId: quote.id }))).rejects.toThrow(
      /only an accepted quote/,
    );
    await sendQuote(tenant.ctx, quote.id);
    await acceptQuote(tenant.ctx, quote.id);
    const placed = await placeOrder(tenant.ctx, order({ quoteId: quote.id }));
    expect(placed).toMatchObject({ quoteId: quote.id, contactId: contact.id, total: quote.total });
    expect(placed.lines[0]).toMatchObject({
      productId: product.id,
      quantity: 2,
      unitAmount: 1000,
      taxRateBps: 2000,
      description: 'Widget',
    });
    await expect(placeOrder(tenant.ctx, order({ quoteId: quote.id }))).rejects.toThrow(/already ordered/);
    expect((await getOrder(tenant.ctx, placed.id)).status).toBe('placed');
  });
});

describe('purchase history', () => {
  it('keeps the last purchase and the products bought in the contact’s partition, indexed for others', async () => {
    const tenant = await newTenant({}, '2026-07-01T22:30:00Z');
    const { ctx } = tenant;
    const a = await stockedProduct(ctx, {}, { onHand: 10 });
    const b = await stockedProduct(ctx, {}, { onHand: 10 });
    const contact = await buyer(tenant);
    await placeOrder(ctx, order({ contactId: contact.id, lines: [{ productId: a.id, quantity: 2 }] }));
    await placeOrder(
      ctx,
      order({
        contactId: contact.id,
        lines: [
          { productId: a.id, quantity: 1 },
          { productId: b.id, quantity: 3 },
        ],
      }),
    );
    // The history follows from the committed orders, within the stream's lag.
    await derived.settle();
    const summary = await getItem(ctx, {
      PK: tenantKey(ctx.tenantId, 'CONTACT', contact.id),
      SK: 'PURCHASE-SUMMARY',
    });
    // 22:30 UTC is already 2 July in Paris.
    expect(summary).toMatchObject({
      contactId: contact.id,
      lastPurchaseAt: '2026-07-01T22:30:00.000Z',
      lastPurchaseDate: '2026-07-02',
      orderCount: 2,
      productIds: new Set([a.id, b.id]),
      GSI5PK: tenantKey(ctx.tenantId, 'LAST-PURCHASE'),
      GSI5SK: `2026-07-02#${contact.id}`,
    });
    const bought = await getItem(ctx, {
      PK: tenantKey(ctx.tenantId, 'CONTACT', contact.id),
      SK: `BOUGHT#${a.id}`,
    });
    expect(bought).toMatchObject({
      productId: a.id,
      firstBoughtAt: '2026-07-01T22:30:00.000Z',
      lastBoughtAt: '2026-07-01T22:30:00.000Z',
      quantity: 3,
      GSI6PK: tenantKey(ctx.tenantId, 'BOUGHT', a.id),
      GSI6SK: contact.id,
    });
    expect((await purchaseSummaryOf(ctx, contact.id))?.orderCount).toBe(2);
    expect((await buyersOf(ctx, b.id, { limit: 10 })).items).toEqual([
      expect.objectContaining({ contactId: contact.id, quantity: 3 }),
    ]);
    const lapsed = await contactsByLastPurchase(ctx, { to: '2026-07-02' }, { limit: 10 });
    expect(lapsed.items.map((s) => s.contactId)).toEqual([contact.id]);
    const timeline = await listTimeline(ctx, contact.id, { limit: 10 });
    expect(timeline.items.filter((e) => e.kind === 'purchase')).toHaveLength(2);
  });
});

describe('reordering', () => {
  it('drafts one purchase order per crossing of the reorder point, and emails it when the tenant says so', async () => {
    const tenant = await newTenant({ settings: { emailPurchaseOrders: true } });
    const { ctx } = tenant;
    const supplierEmail = uniqueEmail('supplier');
    const supplier = await createSupplier(ctx, { name: 'Bolt & Co', email: supplierEmail });
    const product = await stockedProduct(
      ctx,
      { sku: 'BOLT', supplierId: supplier.id },
      { onHand: 10, reorderPoint: 5, reorderQuantity: 20 },
    );
    const contact = await buyer(tenant);
    await placeOrder(ctx, order({ contactId: contact.id, lines: [{ productId: product.id, quantity: 6 }] }));
    expect(await reviewReorder(ctx, product.id)).toBe('drafted');
    expect(await reviewReorder(ctx, product.id)).toBe('none');
    expect(await getStock(ctx, product.id)).toMatchObject({ available: 4, onOrder: 20 });
    await placeOrder(ctx, order({ contactId: contact.id, lines: [{ productId: product.id, quantity: 4 }] }));
    expect(await reviewReorder(ctx, product.id)).toBe('none');

    const sent = await listPurchaseOrders(ctx, { status: 'sent', limit: 10 });
    expect(sent.items).toHaveLength(1);
    const purchaseOrder = sent.items[0]!;
    expect(purchaseOrder).toMatchObject({
      origin: 'reorder',
      supplierEmail,
      lines: [{ sku: 'BOLT', quantity: 20 }],
    });
    expect(await mailPurchaseOrder(ctx, purchaseOrder.id)).toBe('sent');
    expect(await mailPurchaseOrder(ctx, purchaseOrder.id)).toBe('skipped');
    expect(await mailsTo(supplierEmail)).toHaveLength(1);

    await receivePurchaseOrder(ctx, purchaseOrder.id);
    expect(await getStock(ctx, product.id)).toMatchObject({
      onHand: 30,
      reserved: 10,
      available: 20,
      onOrder: 0,
    });
  });

  it('reorders after a return that needs a replacement; without a supplier it alerts once, then orders once one is set', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const supplier = await createSupplier(ctx, { name: 'Lamps Ltd', email: uniqueEmail('lamps') });
    const lamp = await stockedProduct(
      ctx,
      { supplierId: supplier.id },
      { onHand: 6, reorderPoint: 5, reorderQuantity: 10 },
    );
    const contact = await buyer(tenant);
    const placed = await placeOrder(
      ctx,
      order({ contactId: contact.id, lines: [{ productId: lamp.id, quantity: 1 }] }),
    );
    await fulfilOrder(ctx, placed.id);
    expect(await reviewReorder(ctx, lamp.id)).toBe('none');
    await returnOrder(
      ctx,
      placed.id,
      ReturnCreate.parse({
        lines: [{ lineId: placed.lines[0]!.id, quantity: 1, restock: false, replace: true }],
      }),
    );
    expect(await getStock(ctx, lamp.id)).toMatchObject({ onHand: 4, available: 4 });
    expect(await reviewReorder(ctx, lamp.id)).toBe('drafted');
    expect((await listPurchaseOrders(ctx, { status: 'draft', limit: 10 })).items).toHaveLength(1);

    const orphan = await stockedProduct(ctx, {}, { onHand: 2, reorderPoint: 5 });
    expect(await reviewReorder(ctx, orphan.id)).toBe('alerted');
    expect(await reviewReorder(ctx, orphan.id)).toBe('none');
    expect((await getStock(ctx, orphan.id)).lowSince).toBeDefined();
    await updateProduct(ctx, orphan.id, { supplierId: supplier.id });
    expect(await reviewReorder(ctx, orphan.id)).toBe('drafted');
    expect(await getStock(ctx, orphan.id)).toMatchObject({ onOrder: 3 });
    expect((await getStock(ctx, orphan.id)).lowSince).toBeUndefined();
  });
});
