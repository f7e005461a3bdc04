import { InvoiceMarkedUncollectible, InvoicePaid, InvoiceVoided } from '../../events/invoicing.ts';
import { settleCollectionsTask } from '../../shared/invoicing/collections.ts';
import { getStoredInvoice } from '../../shared/invoicing/records.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/**
 * Settles the collections task of an invoice that no longer needs chasing. The invoice is read
 * again, so a redelivered or late event acts on the invoice's real state (and closing is idempotent).
 */
export const handler = eventHandler(
  'invoice-collections',
  [InvoicePaid, InvoiceVoided, InvoiceMarkedUncollectible],
  async (event, ctx) => {
    await settleCollectionsTask(
      ctx,
      await getStoredInvoice(ctx, event.detail.invoiceId, { consistent: true }),
    );
  },
);
