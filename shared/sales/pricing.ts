import type { TenantContext } from '../platform/context.ts';
import { type FieldIssue, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { addDays } from '../platform/time.ts';
import { getTenant } from '../tenancy/records.ts';
import type { LineInput, Product, SalesLine } from './commerce-schema.ts';
import { type CheckedSelection, ConfigurationRuleError, checkSelection } from './configurator.ts';
import { invalid } from './invalid.ts';
import { applyBps, lineAmount, sum } from './money.ts';
import { priceListEntries, priceListFor } from './price-lists.ts';
import { getProducts } from './products.ts';

/**
 * Pricing of quote and order lines: base price from the price list (or the product's own price in
 * the document's currency), plus the configured options' deltas; quantity checked against the
 * minimum order quantity; tax per line rounded half up; lead time from the product and options.
 */

export interface Pricing {
  currency: string;
  priceListId?: string;
}

/** The currency of a document: the price list's when one is named, else the one asked for, else the tenant's. */
export async function resolvePricing(
  ctx: TenantContext,
  currency: string | undefined,
  priceListId: string | undefined | null,
  path = 'body',
): Promise<Pricing> {
  if (priceListId) {
    const list = await priceListFor(ctx, priceListId, `${path}.priceListId`);
    if (currency && currency !== list.currency)
      throw ValidationError.field(
        `${path}.priceListId`,
        `Price list ${list.name} is in ${list.currency}, not ${currency}.`,
      );
    return { currency: list.currency, priceListId };
  }
  return { currency: currency ?? (await getTenant(ctx)).currency };
}

function describe(product: Product): string {
  return `${product.sku} (${product.name})`;
}

/** Prices `lines` as of `today` (tenant time zone); 400 with the line's path for anything wrong. */
export async function priceLines(
  ctx: TenantContext,
  lines: LineInput[],
  pricing: Pricing,
  path = 'body.lines',
): Promise<SalesLine[]> {
  const products = await getProducts(
    ctx,
    lines.map((l) => l.productId),
  );
  const listed = pricing.priceListId
    ? await priceListEntries(
        ctx,
        pricing.priceListId,
        lines.map((l) => l.productId),
      )
    : new Map<string, number>();
  const issues: FieldIssue[] = [];
  const priced: SalesLine[] = [];
  for (const [index, line] of lines.entries()) {
    const at = `${path}.${index}`;
    const product = products.get(line.productId);
    if (!product) {
      issues.push({ path: `${at}.productId`, message: `Product ${line.productId} was not found.` });
      continue;
    }
    if (!product.active) {
      issues.push({ path: `${at}.productId`, message: `Product ${describe(product)} is no longer sold.` });
      continue;
    }
    if (line.quantity < product.minOrderQuantity) {
      issues.push({
        path: `${at}.quantity`,
        message: `Product ${describe(product)} has a minimum order quantity of ${product.minOrderQuantity}; ${line.quantity} is too few.`,
      });
      continue;
    }
    const base =
      listed.get(product.id) ?? product.prices.find((p) => p.currency === pricing.currency)?.unitAmount;
    if (base === undefined) {
      issues.push({
        path: `${at}.productId`,
        message: `Product ${describe(product)} has no price in ${pricing.currency}.`,
      });
      continue;
    }
    let checked: CheckedSelection | undefined;
    if (line.selection !== undefined || product.optionGroups.length > 0) {
      try {
        checked = checkSelection(product, line.selection ?? {}, pricing.currency, `${at}.selection`);
      } catch (error) {
        // A broken rule answers on its own, so the problem can name the rule.
        if (!(error instanceof ValidationError) || error instanceof ConfigurationRuleError) throw error;
        issues.push(...error.issues);
        continue;
      }
    }
    const unitAmount = base + (checked?.priceDelta ?? 0);
    if (unitAmount < 0) {
      issues.push({
        path: `${at}.selection`,
        message: 'The chosen options bring the unit price below zero.',
      });
      continue;
    }
    const net = lineAmount(line.quantity, unitAmount);
    priced.push({
      id: newId(),
      productId: product.id,
      sku: product.sku,
      description: checked?.summary ? `${product.name} (${checked.summary})` : product.name,
      quantity: line.quantity,
      unitAmount,
      taxRateBps: product.taxRateBps,
      lineAmount: net,
      taxAmount: applyBps(net, product.taxRateBps),
      leadTimeDays: product.leadTimeDays + (checked?.extraLeadTimeDays ?? 0),
      ...(checked && product.optionGroups.length > 0
        ? { configuration: { selection: checked.selection, summary: checked.summary } }
        : {}),
    });
  }
  if (issues.length) throw invalid(issues);
  return priced;
}

export interface Totals {
  subtotal: number;
  taxTotal: number;
  total: number;
}

export function totalsOf(lines: Pick<SalesLine, 'lineAmount' | 'taxAmount'>[]): Totals {
  const subtotal = sum(lines.map((l) => l.lineAmount));
  const taxTotal = sum(lines.map((l) => l.taxAmount));
  return { subtotal, taxTotal, total: subtotal + taxTotal };
}

/** The day everything can be delivered if ordered on `day`: the longest lead time decides. */
export function expectedDelivery(lines: Pick<SalesLine, 'leadTimeDays'>[], day: string): string | undefined {
  if (lines.length === 0) return undefined;
  return addDays(day, Math.max(...lines.map((l) => l.leadTimeDays)));
}
