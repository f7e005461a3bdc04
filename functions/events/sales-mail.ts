import { PurchaseOrderSent, QuoteSent } from '../../events/sales.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { mailPurchaseOrder } from '../../shared/sales/purchase-orders.ts';
import { mailQuote } from '../../shared/sales/quotes.ts';

/** Mails are guarded per quote revision and per purchase order, so a redelivered event mails nothing. */
export const handler = eventHandler('sales-mail', [QuoteSent, PurchaseOrderSent], async (event, ctx) => {
  const outcome =
    event.type === 'QuoteSent'
      ? await mailQuote(ctx, event.detail.quoteId)
      : await mailPurchaseOrder(ctx, event.detail.purchaseOrderId);
  ctx.logger.info('sales mail', { type: event.type, outcome });
});
