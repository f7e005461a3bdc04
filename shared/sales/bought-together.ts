import type { TenantContext } from '../platform/context.ts';
import { type TenantId, tenantKey } from '../platform/db/keys.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';

/**
 * What sells with what: association rules between products ("orders with X also hold Y"), mined
 * by analytics from the warehouse's order lines and kept here, one item per tenant, so the
 * product pages (`GET /v1/products/{id}/bought-together`) and marketing's cross-sell condition
 * read them without importing analytics. Only the strongest MAX_RULES are kept.
 */
export const MAX_RULES = 1000;

export interface BoughtTogetherRule {
  /** X → Y: orders with X also hold Y. */
  productId: string;
  otherProductId: string;
  /** Orders holding both, and the share of all orders that is (support). */
  orders: number;
  support: number;
  /** Of the orders with X, the share that also hold Y. */
  confidence: number;
  /** Confidence divided by the share of all orders holding Y: above 1, X makes Y more likely. */
  lift: number;
}

export interface BoughtTogetherRules {
  computedAt: string;
  /** Orders with at least one product line that the rules were mined from. */
  orders: number;
  minSupport: number;
  minConfidence: number;
  rules: BoughtTogetherRule[];
}

export const boughtTogetherKeys = {
  rules: (t: TenantId) => ({ PK: tenantKey(t, 'BOUGHT-TOGETHER'), SK: 'RULES' }),
};

export async function replaceBoughtTogetherRules(
  ctx: TenantContext,
  rules: BoughtTogetherRules,
): Promise<void> {
  await unitOfWork(ctx)
    .put({ ...boughtTogetherKeys.rules(ctx.tenantId), entity: 'BoughtTogetherRules', ...rules })
    .commit();
}

export async function boughtTogetherRules(ctx: TenantContext): Promise<BoughtTogetherRules | undefined> {
  const item = await getItem(ctx, boughtTogetherKeys.rules(ctx.tenantId));
  if (!item) return undefined;
  return {
    computedAt: String(item.computedAt),
    orders: Number(item.orders),
    minSupport: Number(item.minSupport),
    minConfidence: Number(item.minConfidence),
    rules: item.rules as BoughtTogetherRule[],
  };
}
