import { getContact } from '../contacts/records.ts';
import type { TenantContext } from '../platform/context.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import type { Order } from '../sales/commerce-schema.ts';
import { getOrder, orderInvoicedInto } from '../sales/orders.ts';
import { getTenant } from '../tenancy/records.ts';
import { draftInto, issueInvoice, newDraft } from './invoices.ts';
import { formatMoney } from './money.ts';
import { getStoredInvoice, toInvoice } from './records.ts';
import type { Invoice, InvoiceFromOrder, InvoiceLineInput } from './schema.ts';

/**
 * Invoicing an order: the invoice's customer, company, currency and lines come from the order, at
 * the prices the customer accepted (tax per line, rounded half up, as sales computed it). An order
 * has at most one live invoice: the draft and the order's `invoiceId` are written in one
 * transaction, on condition that the order had no invoice, or that the one it had was voided (a
 * correction is a void and a new invoice). Issuing at once is the ordinary issue, right after.
 */
export async function invoiceOrder(
  ctx: TenantContext,
  orderId: string,
  input: InvoiceFromOrder,
): Promise<Invoice> {
  const order = await getOrder(ctx, orderId);
  if (order.status === 'cancelled')
    throw new ConflictError(`Order ${orderId} is cancelled; there is nothing to invoice.`, {
      status: order.status,
    });
  let replacing: string | undefined;
  if (order.invoiceId) {
    const previous = await getStoredInvoice(ctx, order.invoiceId, { consistent: true });
    if (previous.status !== 'void')
      throw new ConflictError(
        `Order ${orderId} is already invoiced (invoice ${previous.number ?? previous.id}); void that invoice to invoice the order again.`,
        { invoiceId: previous.id },
      );
    replacing = previous.id;
  }
  const lines = billableLines(order);
  if (lines.length === 0)
    throw new ConflictError(`Every unit of order ${orderId} came back; there is nothing to invoice.`);
  const [tenant] = await Promise.all([getTenant(ctx), customerExists(ctx, order)]);
  const { issue: _issue, ...terms } = input;
  const invoice = newDraft(
    ctx,
    tenant,
    {
      ...terms,
      contactId: order.contactId,
      ...(order.companyId ? { companyId: order.companyId } : {}),
      orderId: order.id,
      currency: order.currency,
      lines,
    },
    'path.id',
  );
  const uow = unitOfWork(ctx);
  draftInto(
    uow,
    ctx,
    invoice,
    `Draft created from order ${order.id} for ${formatMoney(invoice.total, invoice.currency)}`,
  );
  orderInvoicedInto(uow, ctx, order, invoice, replacing);
  await uow.commit();
  return input.issue ? issueInvoice(ctx, invoice.id) : toInvoice(invoice);
}

/**
 * What the customer pays for, per order line: the units ordered, less those returned without a
 * replacement (a replaced unit is still sold). Lines that all came back are left out.
 */
export function billableLines(order: Pick<Order, 'lines' | 'returns'>): InvoiceLineInput[] {
  const refunded = new Map<string, number>();
  for (const returned of order.returns)
    for (const line of returned.lines)
      if (!line.replace) refunded.set(line.lineId, (refunded.get(line.lineId) ?? 0) + line.quantity);
  return order.lines.flatMap((line) => {
    const quantity = line.quantity - (refunded.get(line.id) ?? 0);
    if (quantity <= 0) return [];
    return [
      {
        description: line.description.slice(0, 500),
        quantity,
        unitAmount: line.unitAmount,
        taxRateBps: line.taxRateBps,
        productId: line.productId,
      },
    ];
  });
}

/** An erased customer cannot be billed anew: there is nobody left to address the invoice to. */
async function customerExists(ctx: TenantContext, order: Order): Promise<void> {
  try {
    await getContact(ctx, order.contactId);
  } catch (error) {
    if (error instanceof NotFoundError)
      throw new ConflictError(
        `The customer of order ${order.id} is no longer in the address book; it cannot be invoiced.`,
      );
    throw error;
  }
}
