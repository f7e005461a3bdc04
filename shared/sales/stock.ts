import { StockBelowReorderPoint, StockChanged } from '../../events/sales.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion } from '../platform/db/expressions.ts';
import { getItem, type Item, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { absentIfNotFound, NotFoundError, PreconditionFailedError } from '../platform/errors.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Stock, StockAdjustment, StockSettings } from './commerce-schema.ts';
import { productKeys } from './keys.ts';
import { getProduct } from './products.ts';
import { purchaseOrderInto } from './purchase-orders.ts';
import { stockMovesInto } from './stock-moves.ts';
import { getSupplier } from './suppliers.ts';

/** Stock records, settings and the reorder check; movements are in stock-moves.ts. */
const toStock = (item: Item) => withoutKeys<Stock>(item);

export async function getStock(ctx: TenantContext, productId: string, consistent = false): Promise<Stock> {
  const item = await getItem(ctx, productKeys.stock(ctx.tenantId, productId), { consistent });
  if (!item) throw new NotFoundError('Product', productId);
  return toStock(item);
}

export async function updateStockSettings(
  ctx: TenantContext,
  productId: string,
  settings: StockSettings,
  ifMatch?: number | 'any',
): Promise<Stock> {
  const product = await getProduct(ctx, productId);
  const set = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return getStock(ctx, productId, true);
  const uow = unitOfWork(ctx).update(productKeys.stock(ctx.tenantId, productId), {
    set: { ...set, updatedAt: ctx.clock.now().toISOString() },
    add: { version: 1 },
    // Stock moves all the time; If-Match only guards against settings changed from a stale read.
    condition: typeof ifMatch === 'number' ? and(exists, hasVersion(ifMatch)) : exists,
    onConditionFailed: (existing) =>
      existing ? new PreconditionFailedError() : new NotFoundError('Product', productId),
  });
  uow.publish(StockChanged, { productIds: [product.id], cause: 'settings' });
  await uow.commit();
  return getStock(ctx, productId, true);
}

/** A stock count, a receipt outside purchase orders, damage: on hand moves, never below zero. */
export async function adjustStock(
  ctx: TenantContext,
  productId: string,
  adjustment: StockAdjustment,
): Promise<Stock> {
  const product = await getProduct(ctx, productId);
  const uow = unitOfWork(ctx);
  stockMovesInto(uow, ctx, [
    {
      productId,
      sku: product.sku,
      onHand: adjustment.quantity,
      ...(adjustment.quantity < 0 ? { needsOnHand: -adjustment.quantity } : {}),
    },
  ]);
  uow.publish(StockChanged, { productIds: [productId], cause: 'adjustment' });
  await uow.commit();
  return getStock(ctx, productId, true);
}

/** The stock moved while the reorder check was deciding: decide again on the new figures. */
class StockMovedMeanwhile extends Error {}

export type ReorderOutcome = 'none' | 'drafted' | 'alerted' | 'cleared';

/**
 * The reorder check, run after every stock movement (from the StockChanged event). When
 * available + on order falls below the reorder point, a purchase order to the product's supplier
 * is drafted for max(reorder quantity, what reaches the point again), which lifts the position
 * back: one purchase order per crossing. Without a supplier, `lowSince` marks the crossing so
 * that the alert is raised once. Each decision is conditioned on the stock version it read.
 */
export async function reviewReorder(ctx: TenantContext, productId: string): Promise<ReorderOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reviewReorderOnce(ctx, productId);
    } catch (error) {
      if (!(error instanceof StockMovedMeanwhile) || attempt >= 8) throw error;
    }
  }
}

async function reviewReorderOnce(ctx: TenantContext, productId: string): Promise<ReorderOutcome> {
  const product = await getProduct(ctx, productId);
  if (!product.trackStock) return 'none';
  const stock = await getStock(ctx, productId, true);
  const position = stock.available + stock.onOrder;
  const below = stock.reorderPoint > 0 && position < stock.reorderPoint;
  const key = productKeys.stock(ctx.tenantId, productId);
  const unchanged = {
    condition: hasVersion(stock.version),
    onConditionFailed: () => new StockMovedMeanwhile(),
  };
  const now = ctx.clock.now().toISOString();
  if (!below) {
    if (!stock.lowSince) return 'none';
    await unitOfWork(ctx)
      .update(key, { remove: ['lowSince'], add: { version: 1 }, set: { updatedAt: now }, ...unchanged })
      .commit();
    return 'cleared';
  }
  const supplier = product.supplierId
    ? await getSupplier(ctx, product.supplierId).catch(absentIfNotFound)
    : undefined;
  const alert = {
    productId,
    sku: product.sku,
    available: stock.available,
    onOrder: stock.onOrder,
    reorderPoint: stock.reorderPoint,
  };
  const uow = unitOfWork(ctx);
  if (!supplier) {
    if (stock.lowSince) return 'none';
    uow.update(key, { set: { lowSince: now, updatedAt: now }, add: { version: 1 }, ...unchanged });
    uow.publish(StockBelowReorderPoint, alert);
    await uow.commit();
    return 'alerted';
  }
  // A supplier given after the alert still gets the purchase order; the alert is not repeated.
  const quantity = Math.max(stock.reorderQuantity, stock.reorderPoint - position);
  const { settings } = await getTenant(ctx);
  const order = purchaseOrderInto(uow, ctx, {
    supplier,
    lines: [{ productId, sku: product.sku, name: product.name, quantity }],
    origin: 'reorder',
    send: settings.emailPurchaseOrders,
  });
  uow.update(key, {
    set: { updatedAt: now },
    remove: ['lowSince'],
    add: { onOrder: quantity, version: 1 },
    ...unchanged,
  });
  if (!stock.lowSince) uow.publish(StockBelowReorderPoint, { ...alert, purchaseOrderId: order.id });
  await uow.commit();
  return 'drafted';
}
