import { StockChanged } from '../../events/sales.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';
import { reviewReorder } from '../../shared/sales/stock.ts';

/** Each check decides on the stock it reads and is conditioned on its version: redelivery is harmless. */
export const handler = eventHandler('sales-reorder', [StockChanged], async (event, ctx) => {
  for (const productId of event.detail.productIds) {
    const outcome = await reviewReorder(ctx, productId);
    if (outcome !== 'none') ctx.logger.info('reorder check', { productId, outcome });
  }
});
