import { PurchaseRecorded } from '../../events/sales.ts';
import { getContact } from '../contacts/service.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, type Item, type Page, queryPage, type UnitOfWork } from '../platform/db/repository.ts';
import { purchaseKeys } from './keys.ts';
import { getProducts } from './products.ts';
import type { PurchasedProduct } from './schema.ts';

/**
 * Purchase history, kept in the contact's partition for automation (inactivity trigger) and
 * marketing (segments), in the same transaction as the order that changes it:
 *
 * - `PURCHASE-SUMMARY`: last purchase (instant and date in the tenant's time zone), order count,
 *   products bought; indexed on GSI5 by last purchase date (`T#<t>#LAST-PURCHASE`).
 * - `BOUGHT#<productId>`: first and last time bought and the quantity; indexed on GSI6 by
 *   product (`T#<t>#BOUGHT#<productId>`), so "who bought X" is one query.
 *
 * Placing an order records a purchase; cancellations and returns do not rewrite history (they
 * are visible on the order).
 */
export interface PurchaseSummary {
  contactId: string;
  lastPurchaseAt: string;
  lastPurchaseDate: string;
  orderCount: number;
  productIds: string[];
}

function toSummary(item: Item): PurchaseSummary {
  return {
    contactId: String(item.contactId),
    lastPurchaseAt: String(item.lastPurchaseAt),
    lastPurchaseDate: String(item.lastPurchaseDate),
    orderCount: Number(item.orderCount),
    productIds: [...((item.productIds as string[] | undefined) ?? [])],
  };
}

/** What other modules read: a contact's last purchase and what they bought. */
export async function purchaseSummaryOf(
  ctx: TenantContext,
  contactId: string,
  options: { consistent?: boolean } = {},
): Promise<PurchaseSummary | undefined> {
  const item = await getItem(ctx, purchaseKeys.summary(ctx.tenantId, contactId), options);
  return item ? toSummary(item) : undefined;
}

/** Another order of the contact committed meanwhile: read the summary again and retry. */
export class PurchaseSummaryMoved extends Error {}

export interface Purchase {
  contactId: string;
  orderId: string;
  /** Quantities per product (lines of the same product added together). */
  quantities: Map<string, number>;
  amount: number;
  currency: string;
  at: string;
  /** `at` as a date in the tenant's time zone. */
  date: string;
}

/**
 * Adds the purchase to the unit of work: the summary (conditioned on the one read, `current`),
 * one BOUGHT item per product (atomic counters), and the PurchaseRecorded event.
 */
export function purchaseInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  purchase: Purchase,
  current: PurchaseSummary | undefined,
): void {
  const t = ctx.tenantId;
  const later = !current || purchase.at >= current.lastPurchaseAt;
  const lastPurchaseAt = later ? purchase.at : current.lastPurchaseAt;
  const lastPurchaseDate = later ? purchase.date : current.lastPurchaseDate;
  const productIds = [...new Set([...(current?.productIds ?? []), ...purchase.quantities.keys()])].sort();
  uow.put(
    {
      ...purchaseKeys.summary(t, purchase.contactId),
      entity: 'PurchaseSummary',
      contactId: purchase.contactId,
      lastPurchaseAt,
      lastPurchaseDate,
      orderCount: (current?.orderCount ?? 0) + 1,
      productIds,
      GSI5PK: purchaseKeys.byLastPurchase(t),
      GSI5SK: `${lastPurchaseDate}#${purchase.contactId}`,
    },
    {
      condition: current ? (e) => `${e.name('orderCount')} = ${e.value(current.orderCount)}` : notExists,
      onConditionFailed: () => new PurchaseSummaryMoved(),
    },
  );
  for (const [productId, quantity] of purchase.quantities) {
    uow.update(purchaseKeys.bought(t, purchase.contactId, productId), {
      set: {
        productId,
        contactId: purchase.contactId,
        lastBoughtAt: purchase.at,
        GSI6PK: purchaseKeys.buyersOf(t, productId),
        GSI6SK: purchase.contactId,
      },
      setIfAbsent: { entity: 'ProductBought', firstBoughtAt: purchase.at },
      add: { quantity },
    });
  }
  uow.publish(PurchaseRecorded, {
    contactId: purchase.contactId,
    orderId: purchase.orderId,
    productIds: [...purchase.quantities.keys()],
    amount: purchase.amount,
    currency: purchase.currency,
    purchasedAt: purchase.at,
  });
}

const toBought = (item: Item): PurchasedProduct => ({
  productId: String(item.productId),
  firstBoughtAt: String(item.firstBoughtAt),
  lastBoughtAt: String(item.lastBoughtAt),
  quantity: Number(item.quantity),
});

/** GET /v1/contacts/{id}/purchases: the summary and a page of the products bought, with names. */
export async function contactPurchases(
  ctx: TenantContext,
  contactId: string,
  page: { limit: number; cursor?: string | undefined },
) {
  await getContact(ctx, contactId);
  const [summary, bought] = await Promise.all([
    purchaseSummaryOf(ctx, contactId),
    queryPage(
      ctx,
      { partition: purchaseKeys.contactPartition(ctx.tenantId, contactId), sort: { beginsWith: 'BOUGHT#' } },
      page,
      toBought,
    ),
  ]);
  const products = await getProducts(
    ctx,
    bought.items.map((b) => b.productId),
  );
  return {
    contactId,
    ...(summary
      ? { lastPurchaseAt: summary.lastPurchaseAt, lastPurchaseDate: summary.lastPurchaseDate }
      : {}),
    orderCount: summary?.orderCount ?? 0,
    items: bought.items.map((b) => {
      const product = products.get(b.productId);
      return { ...b, ...(product ? { sku: product.sku, name: product.name } : {}) };
    }),
    ...(bought.nextCursor ? { nextCursor: bought.nextCursor } : {}),
  };
}

/** Contacts whose last purchase falls between two dates (inclusive), oldest first: inactivity, segments. */
export async function contactsByLastPurchase(
  ctx: TenantContext,
  range: { from?: string; to?: string },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<PurchaseSummary>> {
  return queryPage(
    ctx,
    {
      index: 'GSI5',
      partition: purchaseKeys.byLastPurchase(ctx.tenantId),
      sort: { between: [range.from ?? '0000-00-00', `${range.to ?? '9999-12-31'}#~`] },
    },
    page,
    toSummary,
  );
}

/** The contacts who bought a product, with when and how much. */
export async function buyersOf(
  ctx: TenantContext,
  productId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<PurchasedProduct & { contactId: string }>> {
  return queryPage(
    ctx,
    { index: 'GSI6', partition: purchaseKeys.buyersOf(ctx.tenantId, productId) },
    page,
    (item) => ({
      ...toBought(item),
      contactId: String(item.contactId),
    }),
  );
}
