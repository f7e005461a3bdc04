import { PurchaseRecorded } from '../../events/sales.ts';
import { contactKeys } from '../contacts/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists } from '../platform/db/expressions.ts';
import { getItem, type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import type { Change } from '../platform/streams.ts';
import { localDate } from '../platform/time.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Order } from './commerce-schema.ts';
import { orderKeys, purchaseKeys } from './keys.ts';

/**
 * A contact's purchase history follows from their committed orders, off the order's path: the
 * stream consumer `purchase-history` records each placed order once. Placing an order therefore
 * never waits for, nor contends on, the contact's summary: twenty concurrent orders of one
 * contact all commit, and the history counts each of them once it has settled.
 *
 * Every update is commutative, so orders recorded in any order give the same history:
 * - counts and quantities are ADDed, in one transaction with a mark on the order
 *   (`purchaseRecordedAt`, set only if absent): a redelivered order adds nothing twice;
 * - the last purchase (summary, GSI5) and each product's last time bought move only forward, the
 *   first time bought only backward (conditional SETs; a condition that fails means a newer or
 *   older purchase got there first, and is the answer).
 *
 * The contact the order names *now* gets it (a merge moves orders: a late order follows), and an
 * erased contact gets none (the transaction checks the contact exists). PurchaseRecorded is
 * published from the same transaction as the counts: when it arrives, the history has moved.
 */
export async function recordPurchase(change: Change, ctx: TenantContext): Promise<void> {
  const orderId = String(change.after?.id);
  const item = await getItem(ctx, orderKeys.order(ctx.tenantId, orderId), { consistent: true });
  if (!item) return;
  const order = item as unknown as Order & { purchaseRecordedAt?: string };
  const tenant = await getTenant(ctx);
  const purchase = {
    contactId: order.contactId,
    at: order.placedAt,
    date: localDate(new Date(order.placedAt), tenant.timeZone),
    quantities: quantitiesOf(order),
  };
  if (!order.purchaseRecordedAt) {
    const counted = await countPurchase(ctx, order, purchase);
    if (counted === 'contact-gone') return;
  }
  await moveDates(ctx, purchase);
}

interface PurchaseFacts {
  contactId: string;
  at: string;
  date: string;
  quantities: Map<string, number>;
}

function quantitiesOf(order: Order): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const line of order.lines)
    quantities.set(line.productId, (quantities.get(line.productId) ?? 0) + line.quantity);
  return quantities;
}

class AlreadyCounted extends Error {}
class ContactGone extends Error {}

async function countPurchase(
  ctx: TenantContext,
  order: Order,
  purchase: PurchaseFacts,
): Promise<'counted' | 'already-counted' | 'contact-gone'> {
  const t = ctx.tenantId;
  const uow = unitOfWork(ctx);
  uow.update(orderKeys.order(t, order.id), {
    set: { purchaseRecordedAt: ctx.clock.now().toISOString() },
    condition: and(exists, (e) => `attribute_not_exists(${e.name('purchaseRecordedAt')})`),
    onConditionFailed: () => new AlreadyCounted(),
  });
  uow.check(contactKeys.contact(t, purchase.contactId), exists, () => new ContactGone());
  uow.update(purchaseKeys.summary(t, purchase.contactId), {
    set: { contactId: purchase.contactId, GSI5PK: purchaseKeys.byLastPurchase(t) },
    setIfAbsent: {
      entity: 'PurchaseSummary',
      lastPurchaseAt: purchase.at,
      lastPurchaseDate: purchase.date,
      GSI5SK: `${purchase.date}#${purchase.contactId}`,
    },
    add: { orderCount: 1 },
    addToSet: { productIds: [...purchase.quantities.keys()] },
  });
  for (const [productId, quantity] of purchase.quantities)
    boughtInto(uow, ctx, purchase, productId, quantity);
  uow.publish(PurchaseRecorded, {
    contactId: purchase.contactId,
    orderId: order.id,
    productIds: [...purchase.quantities.keys()],
    amount: order.total,
    currency: order.currency,
    purchasedAt: purchase.at,
  });
  try {
    await uow.commit();
    return 'counted';
  } catch (error) {
    if (error instanceof AlreadyCounted) return 'already-counted';
    if (error instanceof ContactGone) return 'contact-gone';
    throw error;
  }
}

function boughtInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  purchase: PurchaseFacts,
  productId: string,
  quantity: number,
): void {
  const t = ctx.tenantId;
  uow.update(purchaseKeys.bought(t, purchase.contactId, productId), {
    set: {
      productId,
      contactId: purchase.contactId,
      GSI6PK: purchaseKeys.buyersOf(t, productId),
      GSI6SK: purchase.contactId,
    },
    setIfAbsent: { entity: 'ProductBought', firstBoughtAt: purchase.at, lastBoughtAt: purchase.at },
    add: { quantity },
  });
}

/** A newer (or, for the first purchase, older) value got there first: it is the answer. */
class NotNewer extends Error {}

/** The dates only move forward (last purchase) or backward (first time a product was bought). */
async function moveDates(ctx: TenantContext, purchase: PurchaseFacts): Promise<void> {
  const t = ctx.tenantId;
  const moves: UnitOfWork[] = [
    unitOfWork(ctx).update(purchaseKeys.summary(t, purchase.contactId), {
      set: {
        lastPurchaseAt: purchase.at,
        lastPurchaseDate: purchase.date,
        GSI5SK: `${purchase.date}#${purchase.contactId}`,
      },
      condition: and(exists, (e) => `${e.name('lastPurchaseAt')} < ${e.value(purchase.at)}`),
      onConditionFailed: () => new NotNewer(),
    }),
  ];
  for (const productId of purchase.quantities.keys()) {
    const key = purchaseKeys.bought(t, purchase.contactId, productId);
    moves.push(
      unitOfWork(ctx).update(key, {
        set: { lastBoughtAt: purchase.at },
        condition: and(exists, (e) => `${e.name('lastBoughtAt')} < ${e.value(purchase.at)}`),
        onConditionFailed: () => new NotNewer(),
      }),
      unitOfWork(ctx).update(key, {
        set: { firstBoughtAt: purchase.at },
        condition: and(exists, (e) => `${e.name('firstBoughtAt')} > ${e.value(purchase.at)}`),
        onConditionFailed: () => new NotNewer(),
      }),
    );
  }
  const results = await Promise.allSettled(moves.map((m) => m.commit()));
  const failed = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof NotNewer),
  );
  if (failed) throw failed.reason;
}
