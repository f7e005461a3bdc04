import { ProductChanged, ProductCreated, StockChanged } from '../../events/sales.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Item,
  type Page,
  queryPage,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type {
  Configuration,
  ConfigureRequest,
  Product,
  ProductCreate,
  ProductUpdate,
} from './commerce-schema.ts';
import { checkSelection, definitionIssues } from './configurator.ts';
import { invalid } from './invalid.ts';
import { productKeys } from './keys.ts';
import { priceListEntry } from './price-lists.ts';
import { resolvePricing } from './pricing.ts';
import { getSupplier } from './suppliers.ts';

const toProduct = (item: Item) => withoutKeys<Product>(item);

function catalogueIndex(ctx: TenantContext, product: Pick<Product, 'sku' | 'id'>) {
  return { GSI1PK: productKeys.all(ctx.tenantId), GSI1SK: `${product.sku.toLowerCase()}#${product.id}` };
}

const skuTaken = (sku: string) => (existing: Item | undefined) =>
  new ConflictError(`A product with SKU ${sku} already exists.`, {
    sku,
    ...(existing?.productId ? { existingProductId: existing.productId } : {}),
  });

async function checkSupplier(ctx: TenantContext, supplierId: string | undefined | null): Promise<void> {
  if (!supplierId) return;
  try {
    await getSupplier(ctx, supplierId);
  } catch (error) {
    if (error instanceof NotFoundError) throw ValidationError.field('body.supplierId', error.message);
    throw error;
  }
}

/** Adds a product to the catalogue, with its SKU guard and an empty stock record. */
export async function createProduct(ctx: TenantContext, input: ProductCreate): Promise<Product> {
  const issues = definitionIssues(input);
  if (issues.length) throw invalid(issues);
  await checkSupplier(ctx, input.supplierId);
  const now = ctx.clock.now().toISOString();
  const product: Product = { id: newId(), ...input, createdAt: now, updatedAt: now, version: 1 };
  const uow = unitOfWork(ctx)
    .put(
      {
        ...productKeys.product(ctx.tenantId, product.id),
        entity: 'Product',
        ...product,
        ...catalogueIndex(ctx, product),
      },
      { condition: notExists },
    )
    .put(
      { ...productKeys.sku(ctx.tenantId, product.sku), entity: 'ProductSku', productId: product.id },
      { condition: notExists, onConditionFailed: skuTaken(product.sku) },
    )
    .put(
      {
        ...productKeys.stock(ctx.tenantId, product.id),
        entity: 'Stock',
        productId: product.id,
        onHand: 0,
        reserved: 0,
        available: 0,
        onOrder: 0,
        reorderPoint: 0,
        reorderQuantity: 0,
        updatedAt: now,
        version: 1,
      },
      { condition: notExists },
    );
  uow.publish(ProductCreated, { productId: product.id, sku: product.sku });
  await uow.commit();
  return product;
}

/** The product a SKU names, if any (its guard item keeps the product id). */
export async function findProductIdBySku(ctx: TenantContext, sku: string): Promise<string | undefined> {
  const guard = await getItem(ctx, productKeys.sku(ctx.tenantId, sku));
  return guard ? String(guard.productId) : undefined;
}

export async function getProduct(ctx: TenantContext, id: string): Promise<Product> {
  const item = await getItem(ctx, productKeys.product(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Product', id);
  return toProduct(item);
}

/** Several products in one round trip; unknown ids are absent from the map. */
export async function getProducts(ctx: TenantContext, ids: string[]): Promise<Map<string, Product>> {
  const items = await getItems(
    ctx,
    [...new Set(ids)].map((id) => productKeys.product(ctx.tenantId, id)),
  );
  return new Map(items.map((item) => [String(item.id), toProduct(item)]));
}

export async function listProducts(
  ctx: TenantContext,
  query: { active?: boolean | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<Product>> {
  const active = query.active;
  return queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: productKeys.all(ctx.tenantId),
      ...(active === undefined
        ? {}
        : { filter: (e) => `${e.name('active')} = ${e.value(active)}`, filterFingerprint: { active } }),
    },
    query,
    toProduct,
  );
}

export async function updateProduct(
  ctx: TenantContext,
  id: string,
  input: ProductUpdate,
  ifMatch?: number | 'any',
): Promise<Product> {
  const current = await getProduct(ctx, id);
  assertIfMatch(ifMatch, current);
  if (input.trackStock !== undefined && input.trackStock !== current.trackStock)
    throw ValidationError.field(
      'body.trackStock',
      'Whether stock is tracked is set when the product is created; create another product to change it.',
    );
  const next: Product = { ...current };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null) delete (next as Record<string, unknown>)[field];
    else (next as Record<string, unknown>)[field] = value;
  }
  const fields = Object.keys(input).filter(
    (f) =>
      JSON.stringify((current as Record<string, unknown>)[f]) !==
      JSON.stringify((next as Record<string, unknown>)[f]),
  );
  if (fields.length === 0) return current;
  const issues = definitionIssues(next);
  if (issues.length) throw invalid(issues);
  if (fields.includes('supplierId')) await checkSupplier(ctx, next.supplierId);
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx).update(productKeys.product(ctx.tenantId, id), {
    set: {
      ...set,
      description: next.description,
      category: next.category,
      supplierId: next.supplierId,
      ...catalogueIndex(ctx, next),
    },
    ...whileVersion(current.version),
  });
  if (next.sku.toLowerCase() !== current.sku.toLowerCase()) {
    uow
      .delete(productKeys.sku(ctx.tenantId, current.sku))
      .put(
        { ...productKeys.sku(ctx.tenantId, next.sku), entity: 'ProductSku', productId: id },
        { condition: notExists, onConditionFailed: skuTaken(next.sku) },
      );
  }
  uow.publish(ProductChanged, { productId: id, sku: next.sku, fields });
  // A new supplier may be what a product below its reorder point was waiting for.
  if (fields.includes('supplierId') && next.supplierId && next.trackStock)
    uow.publish(StockChanged, { productIds: [id], cause: 'settings' });
  await uow.commit();
  return next;
}

/**
 * The base unit price of a product in a currency: the price list's price when the list has the
 * product, else the product's own price in that currency. Undefined when there is none.
 */
export async function basePrice(
  ctx: TenantContext,
  product: Product,
  currency: string,
  priceListId: string | undefined,
): Promise<number | undefined> {
  if (priceListId) {
    const entry = await priceListEntry(ctx, priceListId, product.id);
    if (entry) return entry.unitAmount;
  }
  return product.prices.find((p) => p.currency === currency)?.unitAmount;
}

/** Checks a selection of options and answers the configured unit price and lead time. */
export async function configureProduct(
  ctx: TenantContext,
  id: string,
  request: ConfigureRequest,
): Promise<Configuration> {
  const product = await getProduct(ctx, id);
  const { currency, priceListId } = await resolvePricing(ctx, request.currency, request.priceListId);
  const base = await basePrice(ctx, product, currency, priceListId);
  if (base === undefined)
    throw ValidationError.field('body.currency', `Product ${product.sku} has no price in ${currency}.`);
  const checked = checkSelection(product, request.selection, currency, 'body.selection');
  const unitAmount = base + checked.priceDelta;
  if (unitAmount < 0)
    throw ValidationError.field('body.selection', 'The chosen options bring the unit price below zero.');
  return {
    productId: product.id,
    sku: product.sku,
    currency,
    basePrice: base,
    options: checked.options,
    unitAmount,
    leadTimeDays: product.leadTimeDays + checked.extraLeadTimeDays,
    summary: checked.summary,
  };
}
