import { getContact } from '../contacts/records.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import {
  getItem,
  type Item,
  type Page,
  queryEach,
  queryPage,
  type UnitOfWork,
  unitOfWork,
} from '../platform/db/repository.ts';
import type { PurchasedProduct } from './commerce-schema.ts';
import { purchaseKeys } from './keys.ts';
import { getProducts } from './products.ts';

/**
 * Purchase history, kept in the contact's partition for automation (inactivity trigger) and
 * marketing (segments), derived from the committed orders (purchase-history.ts):
 *
 * - `PURCHASE-SUMMARY`: last purchase (instant and date in the tenant's time zone), order count,
 *   products bought (a string set); indexed on GSI5 by last purchase date (`T#<t>#LAST-PURCHASE`).
 * - `BOUGHT#<productId>`: first and last time bought and the quantity; indexed on GSI6 by
 *   product (`T#<t>#BOUGHT#<productId>`), so "who bought X" is one query.
 *
 * Placing an order records a purchase; cancellations and returns do not rewrite history (they
 * are visible on the order). Readers see an order in the history within the stream's lag.
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
    productIds: [...((item.productIds as Iterable<string> | undefined) ?? [])].sort(),
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

/** Writes a contact's summary (GSI5 follows its last purchase date), conditioned on the one read. */
function summaryInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  summary: PurchaseSummary,
  current: PurchaseSummary | undefined,
): void {
  uow.put(
    {
      ...purchaseKeys.summary(ctx.tenantId, summary.contactId),
      entity: 'PurchaseSummary',
      ...summary,
      productIds: new Set(summary.productIds),
      GSI5PK: purchaseKeys.byLastPurchase(ctx.tenantId),
      GSI5SK: `${summary.lastPurchaseDate}#${summary.contactId}`,
    },
    {
      condition: current ? (e) => `${e.name('orderCount')} = ${e.value(current.orderCount)}` : notExists,
      onConditionFailed: () => new KeptItemMoved(),
    },
  );
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

/** The merged contact's item was moved already (a redelivery, or a concurrent delivery won). */
class AlreadyMoved extends Error {}
/** The kept contact's item changed since it was read (an order of theirs was recorded): read it again. */
class KeptItemMoved extends Error {}

const MOVE_ATTEMPTS = 6;

/**
 * Folds one item of the merged contact into the kept contact's: `write` puts the combination of
 * the two (conditioned on the kept item read), and the merged item is deleted in the same
 * transaction, so a redelivered event finds nothing left to fold. A concurrent order of the kept
 * contact moves its item meanwhile: read again and retry.
 */
async function foldInto(
  ctx: TenantContext,
  source: ItemKey,
  write: (uow: UnitOfWork) => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const uow = unitOfWork(ctx);
    await write(uow);
    uow.delete(source, { condition: exists, onConditionFailed: () => new AlreadyMoved() });
    try {
      await uow.commit();
      return;
    } catch (error) {
      if (error instanceof AlreadyMoved) return;
      if (!(error instanceof KeptItemMoved) || attempt >= MOVE_ATTEMPTS) throw error;
    }
  }
}

const earliest = (a: string, b: string) => (a <= b ? a : b);
const latest = (a: string, b: string) => (a >= b ? a : b);

/**
 * A merge (ContactsMerged): the merged contact's purchase history joins the kept contact's. Each
 * product bought adds its quantity and keeps the earliest first and the latest last purchase (GSI6
 * then names the kept contact); the summary adds the order counts, keeps the later last purchase
 * (GSI5 follows it) and unites the products.
 */
export async function mergePurchaseHistory(ctx: TenantContext, keptId: string, mergedId: string) {
  const t = ctx.tenantId;
  for await (const item of queryEach(ctx, {
    partition: purchaseKeys.contactPartition(t, mergedId),
    sort: { beginsWith: 'BOUGHT#' },
    consistent: true,
  })) {
    const moved = toBought(item);
    const target = purchaseKeys.bought(t, keptId, moved.productId);
    await foldInto(ctx, purchaseKeys.bought(t, mergedId, moved.productId), async (uow) => {
      const kept = await getItem(ctx, target, { consistent: true });
      const current = kept ? toBought(kept) : undefined;
      uow.put(
        {
          ...target,
          entity: 'ProductBought',
          productId: moved.productId,
          contactId: keptId,
          firstBoughtAt: current ? earliest(current.firstBoughtAt, moved.firstBoughtAt) : moved.firstBoughtAt,
          lastBoughtAt: current ? latest(current.lastBoughtAt, moved.lastBoughtAt) : moved.lastBoughtAt,
          quantity: (current?.quantity ?? 0) + moved.quantity,
          GSI6PK: purchaseKeys.buyersOf(t, moved.productId),
          GSI6SK: keptId,
        },
        {
          condition: current ? (e) => `${e.name('quantity')} = ${e.value(current.quantity)}` : notExists,
          onConditionFailed: () => new KeptItemMoved(),
        },
      );
    });
  }
  const merged = await purchaseSummaryOf(ctx, mergedId, { consistent: true });
  if (!merged) return;
  await foldInto(ctx, purchaseKeys.summary(t, mergedId), async (uow) => {
    const kept = await purchaseSummaryOf(ctx, keptId, { consistent: true });
    const later = !kept || merged.lastPurchaseAt > kept.lastPurchaseAt ? merged : kept;
    summaryInto(
      uow,
      ctx,
      {
        contactId: keptId,
        lastPurchaseAt: later.lastPurchaseAt,
        lastPurchaseDate: later.lastPurchaseDate,
        orderCount: (kept?.orderCount ?? 0) + merged.orderCount,
        productIds: [...new Set([...(kept?.productIds ?? []), ...merged.productIds])].sort(),
      },
      kept,
    );
  });
}

/**
 * An erasure (ContactErased): the purchase history is personal data with no legal reason to stay
 * (the orders keep what was sold). Deleting takes the contact out of GSI5 and GSI6 with it.
 */
export async function erasePurchaseHistory(ctx: TenantContext, contactId: string): Promise<void> {
  const t = ctx.tenantId;
  const keys: ItemKey[] = [];
  for await (const item of queryEach(ctx, {
    partition: purchaseKeys.contactPartition(t, contactId),
    sort: { beginsWith: 'BOUGHT#' },
    consistent: true,
  }))
    keys.push({ PK: String(item.PK), SK: String(item.SK) });
  keys.push(purchaseKeys.summary(t, contactId));
  for (let start = 0; start < keys.length; start += 50) {
    const uow = unitOfWork(ctx);
    for (const key of keys.slice(start, start + 50)) uow.delete(key);
    await uow.commit();
  }
}
