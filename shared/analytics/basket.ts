import type { TenantContext } from '../platform/context.ts';
import { getItem, getItems } from '../platform/db/repository.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import {
  type BoughtTogetherRule,
  boughtTogetherRules,
  MAX_RULES,
  replaceBoughtTogetherRules,
} from '../sales/bought-together.ts';
import { productKeys } from '../sales/keys.ts';
import { NotComputedError } from './errors.ts';
import type { BoughtTogether, BoughtTogetherQuery } from './schema.ts';
import { compiler, historyStart, num, rowsOf } from './warehouse.ts';

/**
 * Basket analysis (docs/analytics.md, "Basket analysis"): association rules between pairs of
 * products over the orders of the warehouse, in SQL through the reports' compiler. For X → Y:
 * support = orders with X and Y ÷ orders; confidence = orders with X and Y ÷ orders with X;
 * lift = confidence ÷ (orders with Y ÷ orders). A product counts once per order whatever its
 * quantity; cancelled orders do not count. Thresholds travel as whole basis points (1/10,000),
 * since the query's parameters are whole numbers.
 */
export const MINED_MIN_SUPPORT = 0.001;
export const MINED_MIN_CONFIDENCE = 0.01;

const basisPoints = (share: number) => Math.round(share * 10_000);
const round = (value: number) => Math.round(value * 10_000) / 10_000;

export async function mineRules(
  ctx: TenantContext,
  thresholds: { minSupport: number; minConfidence: number },
): Promise<{ orders: number; rules: BoughtTogetherRule[] }> {
  const sql = compiler();
  const now = ctx.clock.now();
  const scope = { tenantId: ctx.tenantId, from: historyStart(now), to: now };
  const placed = sql.facts({
    ...scope,
    eventTypes: ['OrderPlaced'],
    columns: ['order_id', 'line_product_ids', 'line_categories', 'line_quantities', 'line_amounts'],
  });
  const cancelled = sql.facts({ ...scope, eventTypes: ['OrderCancelled'], columns: ['order_id'] });
  const rows = await rowsOf(
    sql,
    `WITH placed AS (${placed}), cancelled AS (${cancelled}),
     kept AS (
       SELECT p.order_id, p.line_product_ids, p.line_categories, p.line_quantities, p.line_amounts
       FROM placed AS p LEFT JOIN cancelled AS c ON c.order_id = p.order_id WHERE c.order_id IS NULL),
     items AS (
       SELECT DISTINCT order_id, line_product AS product FROM ${sql.lines('kept', ['order_id'])}
       WHERE line_product IS NOT NULL AND line_product <> ''),
     baskets AS (SELECT count(DISTINCT order_id) AS n FROM items),
     singles AS (SELECT product, count(*) AS n FROM items GROUP BY product),
     pairs AS (
       SELECT x.product AS antecedent, y.product AS consequent, count(*) AS n
       FROM items AS x JOIN items AS y ON x.order_id = y.order_id AND x.product <> y.product
       GROUP BY x.product, y.product),
     rules AS (
       SELECT pairs.antecedent, pairs.consequent, pairs.n AS both_orders, sx.n AS antecedent_orders,
              sy.n AS consequent_orders
       FROM pairs JOIN singles AS sx ON sx.product = pairs.antecedent
         JOIN singles AS sy ON sy.product = pairs.consequent CROSS JOIN baskets
       WHERE pairs.n * 10000 >= baskets.n * ${sql.p(basisPoints(thresholds.minSupport))}
         AND pairs.n * 10000 >= sx.n * ${sql.p(basisPoints(thresholds.minConfidence))})
     SELECT baskets.n AS orders, rules.antecedent, rules.consequent, rules.both_orders,
            rules.antecedent_orders, rules.consequent_orders
     FROM baskets LEFT JOIN rules ON TRUE`,
  );
  // One row even without rules (the antecedent is then empty): it carries the number of orders.
  const orders = num(rows[0]?.orders);
  const rules = rows
    .filter((row) => row.antecedent !== null)
    .map((row) => {
      const both = num(row.both_orders);
      const confidence = both / num(row.antecedent_orders);
      return {
        productId: String(row.antecedent),
        otherProductId: String(row.consequent),
        orders: both,
        support: round(both / orders),
        confidence: round(confidence),
        lift: round(confidence / (num(row.consequent_orders) / orders)),
      };
    });
  rules.sort((x, y) => y.lift - x.lift || y.confidence - x.confidence || y.orders - x.orders);
  return { orders, rules };
}

/** The daily mining: every pair above the mined floors, the strongest MAX_RULES kept for sales and marketing. */
export async function runBasket(ctx: TenantContext): Promise<{ orders: number; rules: number }> {
  const { orders, rules } = await mineRules(ctx, {
    minSupport: MINED_MIN_SUPPORT,
    minConfidence: MINED_MIN_CONFIDENCE,
  });
  const kept = rules.slice(0, MAX_RULES);
  await replaceBoughtTogetherRules(ctx, {
    computedAt: ctx.clock.now().toISOString(),
    orders,
    minSupport: MINED_MIN_SUPPORT,
    minConfidence: MINED_MIN_CONFIDENCE,
    rules: kept,
  });
  return { orders, rules: kept.length };
}

/** The products bought with one product, strongest lift first, from the latest mining. */
export async function boughtTogether(
  ctx: TenantContext,
  productId: string,
  query: BoughtTogetherQuery,
): Promise<BoughtTogether> {
  const product = await getItem(ctx, productKeys.product(ctx.tenantId, productId));
  if (!product) throw new NotFoundError('Product', productId);
  const issues = [];
  if (query.minSupport < MINED_MIN_SUPPORT)
    issues.push({
      path: 'query.minSupport',
      message: `Rules are mined at a support of ${MINED_MIN_SUPPORT} or more; ask for at least that.`,
    });
  if (query.minConfidence < MINED_MIN_CONFIDENCE)
    issues.push({
      path: 'query.minConfidence',
      message: `Rules are mined at a confidence of ${MINED_MIN_CONFIDENCE} or more; ask for at least that.`,
    });
  if (issues.length) throw new ValidationError(issues);
  const mined = await boughtTogetherRules(ctx);
  if (!mined) throw new NotComputedError('No basket analysis has been computed yet.', 'basket');
  const rules = mined.rules
    .filter(
      (r) =>
        r.productId === productId &&
        r.support >= query.minSupport &&
        r.confidence >= query.minConfidence &&
        r.lift >= query.minLift,
    )
    .slice(0, query.limit);
  const names = new Map(
    (
      await getItems(
        ctx,
        rules.map((r) => productKeys.product(ctx.tenantId, r.otherProductId)),
      )
    ).map((item) => [String(item.id), String(item.name)] as const),
  );
  return {
    productId,
    computedAt: mined.computedAt,
    orders: mined.orders,
    items: rules.map((r) => ({
      productId: r.otherProductId,
      ...(names.has(r.otherProductId) ? { name: names.get(r.otherProductId)! } : {}),
      orders: r.orders,
      support: r.support,
      confidence: r.confidence,
      lift: r.lift,
    })),
  };
}
