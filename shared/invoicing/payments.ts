import { InvoicePaid, PaymentRecorded } from '../../events/invoicing.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import { describeActor, type TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  getItem,
  type Page,
  queryPage,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { retryWhileRaced } from '../platform/db/retries.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { localDate, zonedTimeToInstant } from '../platform/time.ts';
import { getTenant } from '../tenancy/records.ts';
import { invoiceKeys } from './keys.ts';
import { formatMoney } from './money.ts';
import {
  getStoredInvoice,
  indexAttributes,
  indexRemovals,
  isTransactionConflict,
  type StoredInvoice,
  toInvoice,
} from './records.ts';
import type { Invoice, InvoiceStatus, Payment, PaymentCreate } from './schema.ts';
import { addInvoiceEntryInto } from './timeline.ts';

export interface RecordedPayment {
  payment: Payment;
  invoice: Invoice;
  /** The payment existed already (same bank reference): nothing was recorded this time. */
  replayed: boolean;
}

class InvoiceMoved extends Error {}

class ReferenceUsed extends Error {
  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} already has this reference.`);
  }
}

/**
 * Records a payment: the payment, the invoice's new amounts and status, its timeline entries and
 * events commit in one transaction, conditional on the invoice version read, so two concurrent
 * payments can never both be counted against the same amount due (the second re-reads and
 * re-checks). Overpayment is refused: a payment larger than the amount due is a 400 and nothing
 * is written (credit balances are not kept). A payment whose bank reference was already recorded
 * on this invoice is that payment: the first one is returned, whatever the Idempotency-Key.
 * When it settles the invoice, the collections task is closed by the InvoicePaid consumer.
 */
export async function recordPayment(
  ctx: TenantContext,
  invoiceId: string,
  input: PaymentCreate,
): Promise<RecordedPayment> {
  const tenant = await getTenant(ctx);
  const now = ctx.clock.now();
  const paidAt = input.paidAt
    ? input.paidAt.length === 10
      ? zonedTimeToInstant(`${input.paidAt}T00:00`, tenant.timeZone)
      : new Date(input.paidAt)
    : now;
  if (paidAt.getTime() > now.getTime()) {
    throw ValidationError.field('body.paidAt', 'A payment cannot be recorded before it arrives.');
  }
  const attempt = async (): Promise<RecordedPayment> => {
    const invoice = await getStoredInvoice(ctx, invoiceId, { consistent: true });
    if (input.reference) {
      const used = await getItem(
        ctx,
        invoiceKeys.paymentReference(ctx.tenantId, invoiceId, input.reference),
        {
          consistent: true,
        },
      );
      if (used) return replay(ctx, invoice, String(used.paymentId), input);
    }
    assertPayable(invoice, input.amount);
    const payment: Payment = {
      id: newId(),
      invoiceId,
      amount: input.amount,
      currency: invoice.currency,
      paidAt: paidAt.toISOString(),
      paidOn: localDate(paidAt, tenant.timeZone),
      method: input.method,
      ...(input.reference ? { reference: input.reference } : {}),
      recordedAt: now.toISOString(),
      recordedBy: describeActor(ctx.actor),
    };
    const amountPaid = invoice.amountPaid + input.amount;
    const amountDue = invoice.total - amountPaid;
    const status: InvoiceStatus =
      amountDue === 0 ? 'paid' : invoice.status === 'uncollectible' ? 'uncollectible' : 'partially_paid';
    const next: StoredInvoice = {
      ...invoice,
      amountPaid,
      amountDue,
      status,
      ...(status === 'paid' ? { paidAt: payment.paidAt } : {}),
      updatedAt: now.toISOString(),
      version: invoice.version + 1,
    };
    const uow = unitOfWork(ctx).put(
      { ...invoiceKeys.payment(ctx.tenantId, invoiceId, payment.id), entity: 'Payment', ...payment },
      { condition: notExists },
    );
    if (input.reference) {
      uow.put(
        {
          ...invoiceKeys.paymentReference(ctx.tenantId, invoiceId, input.reference),
          entity: 'PaymentReference',
          paymentId: payment.id,
        },
        {
          condition: notExists,
          onConditionFailed: (existing) => new ReferenceUsed(String(existing?.paymentId)),
        },
      );
    }
    uow.update(invoiceKeys.invoice(ctx.tenantId, invoiceId), {
      set: {
        amountPaid,
        amountDue,
        status,
        paidAt: next.paidAt,
        updatedAt: next.updatedAt,
        ...indexAttributes(ctx.tenantId, next),
      },
      remove: indexRemovals(next),
      ...whileVersion(invoice.version, () => new InvoiceMoved()),
    });
    const amount = formatMoney(input.amount, invoice.currency);
    const due = formatMoney(amountDue, invoice.currency);
    addInvoiceEntryInto(uow, ctx, invoiceId, {
      kind: 'payment',
      title: `Payment of ${amount} received on ${payment.paidOn} (${payment.method.replace('_', ' ')})`,
      summary: status === 'paid' ? 'Paid in full.' : `Still due: ${due}.`,
    });
    addTimelineEntryInto(uow, ctx, invoice.contactId, {
      kind: 'payment',
      title: `Paid ${amount} on invoice ${invoice.number}`,
      summary: status === 'paid' ? 'The invoice is paid in full.' : `Still due: ${due}.`,
      ref: { type: 'invoice', id: invoiceId },
    });
    uow.publish(PaymentRecorded, {
      invoiceId,
      paymentId: payment.id,
      contactId: invoice.contactId,
      amount: input.amount,
      currency: invoice.currency,
      paidAt: payment.paidAt,
      method: payment.method,
      amountDue,
      status,
    });
    if (status === 'paid') {
      uow.publish(InvoicePaid, {
        invoiceId,
        number: invoice.number!,
        contactId: invoice.contactId,
        currency: invoice.currency,
        total: invoice.total,
        paidAt: payment.paidAt,
        ...(invoice.collectionsTaskId ? { collectionsTaskId: invoice.collectionsTaskId } : {}),
      });
    }
    try {
      await uow.commit();
      return { payment, invoice: toInvoice(next), replayed: false };
    } catch (error) {
      if (error instanceof ReferenceUsed) {
        return replay(ctx, await getStoredInvoice(ctx, invoiceId), error.paymentId, input);
      }
      throw error;
    }
  };
  // Another payment (or change) moved the invoice since it was read: read it again and re-check.
  return retryWhileRaced(
    attempt,
    (error) => error instanceof InvoiceMoved || isTransactionConflict(error),
    'The invoice kept changing while the payment was recorded; nothing was written. Send the same request again shortly.',
  );
}

function assertPayable(invoice: StoredInvoice, amount: number): void {
  const name = invoice.number ?? invoice.id;
  switch (invoice.status) {
    case 'draft':
      throw new ConflictError(`Invoice ${name} is a draft: issue it before recording payments.`);
    case 'void':
      throw new ConflictError(`Invoice ${name} is void: nothing is owed on it.`);
    case 'paid':
      throw new ConflictError(`Invoice ${name} is already paid in full.`);
  }
  if (amount > invoice.amountDue) {
    throw ValidationError.field(
      'body.amount',
      `The payment (${formatMoney(amount, invoice.currency)}) is more than the amount due (${formatMoney(invoice.amountDue, invoice.currency)}); overpayments are not recorded.`,
    );
  }
}

async function replay(
  ctx: TenantContext,
  invoice: StoredInvoice,
  paymentId: string,
  input: PaymentCreate,
): Promise<RecordedPayment> {
  const payment = await getPayment(ctx, invoice.id, paymentId);
  if (payment.amount !== input.amount) {
    throw new ConflictError(
      `Reference ${input.reference} was already recorded on this invoice for ${formatMoney(payment.amount, payment.currency)} (payment ${payment.id}).`,
      { paymentId: payment.id },
    );
  }
  return { payment, invoice: toInvoice(invoice), replayed: true };
}

export async function getPayment(ctx: TenantContext, invoiceId: string, paymentId: string): Promise<Payment> {
  const item = await getItem(ctx, invoiceKeys.payment(ctx.tenantId, invoiceId, paymentId));
  if (!item) throw new NotFoundError('Payment', paymentId);
  return withoutKeys<Payment>(item);
}

export async function listPayments(
  ctx: TenantContext,
  invoiceId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<Payment>> {
  await getStoredInvoice(ctx, invoiceId);
  return queryPage<Payment>(
    ctx,
    { partition: invoiceKeys.partition(ctx.tenantId, invoiceId), sort: { beginsWith: 'PAYMENT#' } },
    page,
  );
}
