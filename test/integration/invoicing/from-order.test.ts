import { beforeAll, describe, expect, it } from 'vitest';
import { createCompany } from '../../../shared/contacts/companies.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import { invoiceOrder } from '../../../shared/invoicing/from-order.ts';
import { getInvoice, voidInvoice } from '../../../shared/invoicing/invoices.ts';
import { InvoiceFromOrder } from '../../../shared/invoicing/schema.ts';
import { listInvoiceTimeline } from '../../../shared/invoicing/timeline.ts';
import { unitOfWork } from '../../../shared/platform/db/repository.ts';
import { ConflictError } from '../../../shared/platform/errors.ts';
import { OrderCreate, ReturnCreate } from '../../../shared/sales/commerce-schema.ts';
import { orderKeys } from '../../../shared/sales/keys.ts';
import { cancelOrder, fulfilOrder, getOrder, placeOrder, returnOrder } from '../../../shared/sales/orders.ts';
import { useTable } from '../../support/table.ts';
import { newTenant, type TestTenant } from '../../support/tenants.ts';
import { stockedProduct } from '../sales/support.ts';

let tenant: TestTenant;
beforeAll(async () => {
  await useTable();
  tenant = await newTenant();
});

const terms = (input: Record<string, unknown> = {}) => InvoiceFromOrder.parse(input);

/** A customer at a company, who orders 3 lamps at 20 % and 2 books at 5.5 %. */
async function placedOrder() {
  const company = await createCompany(tenant.ctx, { name: 'Navy Yard' });
  const contact = await createContact(tenant.ctx, {
    firstName: 'Grace',
    lastName: 'Hopper',
    companyId: company.id,
    lifecycleStage: 'customer',
    tags: [],
  });
  const lamp = await stockedProduct(
    tenant.ctx,
    { name: 'Lamp', prices: [{ currency: 'EUR', unitAmount: 4_999 }], taxRateBps: 2000 },
    { onHand: 10 },
  );
  const book = await stockedProduct(tenant.ctx, {
    name: 'Book',
    prices: [{ currency: 'EUR', unitAmount: 1_233 }],
    taxRateBps: 550,
    trackStock: false,
  });
  const order = await placeOrder(
    tenant.ctx,
    OrderCreate.parse({
      contactId: contact.id,
      lines: [
        { productId: lamp.id, quantity: 3 },
        { productId: book.id, quantity: 2 },
      ],
    }),
  );
  return { order, contact, company, lamp, book };
}

describe('invoicing an order', () => {
  it('bills the order’s customer, company, currency and lines at its prices, with the same totals', async () => {
    const { order, contact, company, lamp, book } = await placedOrder();

    const invoice = await invoiceOrder(tenant.ctx, order.id, terms({ paymentTermsDays: 15 }));

    expect(invoice).toMatchObject({
      status: 'draft',
      contactId: contact.id,
      companyId: company.id,
      orderId: order.id,
      currency: 'EUR',
      paymentTermsDays: 15,
      lines: [
        { productId: lamp.id, description: 'Lamp', quantity: 3, unitAmount: 4_999, taxRateBps: 2000 },
        { productId: book.id, description: 'Book', quantity: 2, unitAmount: 1_233, taxRateBps: 550 },
      ],
      // 14,997 + 2,999.4 → 2,999; 2,466 + 135.63 → 136
      subtotal: 17_463,
      taxTotal: 3_135,
      total: 20_598,
    });
    expect({ subtotal: order.subtotal, taxTotal: order.taxTotal, total: order.total }).toEqual({
      subtotal: invoice.subtotal,
      taxTotal: invoice.taxTotal,
      total: invoice.total,
    });
    expect((await getOrder(tenant.ctx, order.id)).invoiceId).toBe(invoice.id);
    const timeline = await listInvoiceTimeline(tenant.ctx, invoice.id, { limit: 10 });
    expect(timeline.items.map((e) => e.title)).toEqual([
      `Draft created from order ${order.id} for 205.98 EUR`,
    ]);
  });

  it('issues the invoice at once when asked', async () => {
    const { order } = await placedOrder();
    const invoice = await invoiceOrder(tenant.ctx, order.id, terms({ issue: true }));
    expect(invoice).toMatchObject({ status: 'open', total: order.total, amountDue: order.total });
    expect(invoice.number).toMatch(/^\d{4}-\d{4}$/);
  });

  it('invoices an order once: again is a 409 naming the invoice, until that invoice is voided', async () => {
    const { order } = await placedOrder();
    const attempts = await Promise.allSettled(
      [1, 2, 3].map(() => invoiceOrder(tenant.ctx, order.id, terms())),
    );
    const made = attempts.filter((a) => a.status === 'fulfilled');
    expect(made).toHaveLength(1);
    for (const refused of attempts.filter((a) => a.status === 'rejected'))
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    const first = (made[0] as PromiseFulfilledResult<{ id: string }>).value;

    const again = await invoiceOrder(tenant.ctx, order.id, terms()).catch((e) => e);
    expect(again).toBeInstanceOf(ConflictError);
    expect(again.details).toEqual({ invoiceId: first.id });

    await voidInvoice(tenant.ctx, first.id);
    const corrected = await invoiceOrder(tenant.ctx, order.id, terms());
    expect(corrected.id).not.toBe(first.id);
    expect((await getOrder(tenant.ctx, order.id)).invoiceId).toBe(corrected.id);
    expect((await getInvoice(tenant.ctx, first.id)).status).toBe('void');
  });

  it('keeps an invoiced order from being cancelled until its invoice is voided', async () => {
    const { order } = await placedOrder();
    const invoice = await invoiceOrder(tenant.ctx, order.id, terms({ issue: true }));
    const refused = await cancelOrder(tenant.ctx, order.id).catch((e) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.details).toEqual({ reason: 'invoiced', invoiceId: invoice.id });
    expect((await getOrder(tenant.ctx, order.id)).status).toBe('placed');

    await voidInvoice(tenant.ctx, invoice.id);
    const cancelled = await cancelOrder(tenant.ctx, order.id);
    expect(cancelled.status).toBe('cancelled');
  });

  it('lets an order whose invoice was voided before orders were told be cancelled, once voided again', async () => {
    const { order } = await placedOrder();
    const invoice = await invoiceOrder(tenant.ctx, order.id, terms({ issue: true }));
    await voidInvoice(tenant.ctx, invoice.id);
    // As an invoice voided before this change left its order: no mark.
    await unitOfWork(tenant.ctx)
      .update(orderKeys.order(tenant.ctx.tenantId, order.id), { remove: ['invoiceVoided'] })
      .commit();
    await expect(cancelOrder(tenant.ctx, order.id)).rejects.toBeInstanceOf(ConflictError);
    expect((await voidInvoice(tenant.ctx, invoice.id)).status).toBe('void');
    expect((await cancelOrder(tenant.ctx, order.id)).status).toBe('cancelled');
  });

  it('leaves out units returned without a replacement, and refuses a cancelled order', async () => {
    const { order, lamp } = await placedOrder();
    await fulfilOrder(tenant.ctx, order.id);
    const lampLine = order.lines.find((l) => l.productId === lamp.id)!;
    const bookLine = order.lines.find((l) => l.productId !== lamp.id)!;
    await returnOrder(
      tenant.ctx,
      order.id,
      ReturnCreate.parse({
        lines: [
          { lineId: lampLine.id, quantity: 1 },
          { lineId: bookLine.id, quantity: 2, replace: true },
        ],
      }),
    );
    const invoice = await invoiceOrder(tenant.ctx, order.id, terms());
    expect(invoice.lines.map((l) => [l.description, l.quantity])).toEqual([
      ['Lamp', 2],
      ['Book', 2],
    ]);

    const other = await placedOrder();
    await cancelOrder(tenant.ctx, other.order.id);
    await expect(invoiceOrder(tenant.ctx, other.order.id, terms())).rejects.toThrow(
      `Order ${other.order.id} is cancelled; there is nothing to invoice.`,
    );
  });
});
