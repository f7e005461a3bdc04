import type { TenantContext } from '../platform/context.ts';
import { type Condition, exists } from '../platform/db/expressions.ts';
import type { UnitOfWork } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import { productKeys } from './keys.ts';

/**
 * Stock per product: `onHand`, `reserved` (placed orders not yet shipped), `available`
 * (= onHand − reserved, kept as its own attribute so that a write can be conditioned on it) and
 * `onOrder` (draft and sent purchase orders). Every movement is an atomic ADD with a condition:
 * a reservation only succeeds while `available >= quantity` (unless the tenant allows
 * back-orders), a shipment while `onHand >= quantity`. Concurrent orders therefore never
 * oversell, and no read-modify-write race exists.
 */

/** One product's movement; deltas of the same product are added together before writing. */
export interface StockMove {
  productId: string;
  /** For messages: the product's SKU. */
  sku: string;
  onHand?: number;
  reserved?: number;
  onOrder?: number;
  /** The write fails unless at least this much is available (reservation, replacement). */
  needsAvailable?: number;
  /** The write fails unless at least this much is on hand (shipment, removal). */
  needsOnHand?: number;
}

export class NotEnoughStock extends ConflictError {}

/** Adds the stock movements of a change to its unit of work: one conditional update per product. */
export function stockMovesInto(uow: UnitOfWork, ctx: TenantContext, moves: StockMove[]): void {
  const merged = new Map<string, Required<StockMove>>();
  for (const move of moves) {
    const m = merged.get(move.productId) ?? {
      productId: move.productId,
      sku: move.sku,
      onHand: 0,
      reserved: 0,
      onOrder: 0,
      needsAvailable: 0,
      needsOnHand: 0,
    };
    m.onHand += move.onHand ?? 0;
    m.reserved += move.reserved ?? 0;
    m.onOrder += move.onOrder ?? 0;
    m.needsAvailable += move.needsAvailable ?? 0;
    m.needsOnHand += move.needsOnHand ?? 0;
    merged.set(move.productId, m);
  }
  const now = ctx.clock.now().toISOString();
  for (const m of merged.values()) {
    const conditions: Condition[] = [exists];
    if (m.needsAvailable > 0)
      conditions.push((e) => `${e.name('available')} >= ${e.value(m.needsAvailable)}`);
    if (m.needsOnHand > 0) conditions.push((e) => `${e.name('onHand')} >= ${e.value(m.needsOnHand)}`);
    const add: Record<string, number> = { version: 1 };
    if (m.onHand) add.onHand = m.onHand;
    if (m.reserved) add.reserved = m.reserved;
    if (m.onHand - m.reserved) add.available = m.onHand - m.reserved;
    if (m.onOrder) add.onOrder = m.onOrder;
    uow.update(productKeys.stock(ctx.tenantId, m.productId), {
      set: { updatedAt: now },
      add,
      condition: (e) => conditions.map((c) => `(${c(e)})`).join(' AND '),
      onConditionFailed: (existing) => {
        if (!existing) return new NotFoundError('Product', m.productId);
        if (m.needsOnHand > Number(existing.onHand))
          return new NotEnoughStock(`Only ${existing.onHand} of ${m.sku} on hand; ${m.needsOnHand} needed.`, {
            productId: m.productId,
            sku: m.sku,
            onHand: existing.onHand,
            requested: m.needsOnHand,
          });
        return new NotEnoughStock(
          `Only ${existing.available} of ${m.sku} available; ${m.needsAvailable} needed.`,
          {
            productId: m.productId,
            sku: m.sku,
            available: existing.available,
            requested: m.needsAvailable,
          },
        );
      },
    });
  }
}
