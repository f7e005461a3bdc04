import type { TenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Item,
  type Page,
  queryPage,
  stampRevision,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { PriceList, PriceListCreate, PriceListEntry, PriceListUpdate } from './commerce-schema.ts';
import { priceListKeys, productKeys } from './keys.ts';

/**
 * Price lists (retail, partner...): one currency each, and a price per listed product. A product
 * missing from a list is sold at its own price in that currency.
 */
const toPriceList = (item: Item) => withoutKeys<PriceList>(item);
const toEntry = (item: Item) => withoutKeys<PriceListEntry>(item);

const nameIndex = (ctx: TenantContext, list: Pick<PriceList, 'name' | 'id'>) => ({
  GSI1PK: priceListKeys.all(ctx.tenantId),
  GSI1SK: `${list.name.toLowerCase()}#${list.id}`,
});

export async function createPriceList(ctx: TenantContext, input: PriceListCreate): Promise<PriceList> {
  const now = ctx.clock.now().toISOString();
  const list: PriceList = { id: newId(), ...input, createdAt: now, updatedAt: now, version: 1 };
  await unitOfWork(ctx)
    .put(
      {
        ...priceListKeys.priceList(ctx.tenantId, list.id),
        entity: 'PriceList',
        ...list,
        ...nameIndex(ctx, list),
      },
      { condition: notExists },
    )
    .commit();
  return list;
}

export async function getPriceList(ctx: TenantContext, id: string): Promise<PriceList> {
  const item = await getItem(ctx, priceListKeys.priceList(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Price list', id);
  return toPriceList(item);
}

export async function listPriceLists(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<PriceList>> {
  return queryPage(ctx, { index: 'GSI1', partition: priceListKeys.all(ctx.tenantId) }, page, toPriceList);
}

export async function updatePriceList(
  ctx: TenantContext,
  id: string,
  input: PriceListUpdate,
  ifMatch?: number | 'any',
): Promise<PriceList> {
  const current = await getPriceList(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: PriceList = { ...current, ...(input.name !== undefined ? { name: input.name } : {}) };
  if (input.description === null) delete next.description;
  else if (input.description !== undefined) next.description = input.description;
  if (!stampRevision(ctx, current, next)) return current;
  await unitOfWork(ctx)
    .update(priceListKeys.priceList(ctx.tenantId, id), {
      set: {
        name: next.name,
        description: next.description,
        updatedAt: next.updatedAt,
        ...nameIndex(ctx, next),
      },
      ...whileVersion(current.version),
    })
    .commit();
  return next;
}

/** Sets the list's price of a product (the list and the product must exist). */
export async function setListPrice(
  ctx: TenantContext,
  priceListId: string,
  productId: string,
  unitAmount: number,
): Promise<PriceListEntry> {
  await getPriceList(ctx, priceListId);
  const entry: PriceListEntry = {
    priceListId,
    productId,
    unitAmount,
    updatedAt: ctx.clock.now().toISOString(),
  };
  await unitOfWork(ctx)
    .put({ ...priceListKeys.entry(ctx.tenantId, priceListId, productId), entity: 'PriceListEntry', ...entry })
    .check(
      productKeys.product(ctx.tenantId, productId),
      exists,
      () => new NotFoundError('Product', productId),
    )
    .commit();
  return entry;
}

export async function removeListPrice(
  ctx: TenantContext,
  priceListId: string,
  productId: string,
): Promise<void> {
  await getPriceList(ctx, priceListId);
  await unitOfWork(ctx)
    .delete(priceListKeys.entry(ctx.tenantId, priceListId, productId), {
      condition: exists,
      onConditionFailed: () => new NotFoundError('Price list entry', productId),
    })
    .commit();
}

export async function listPrices(
  ctx: TenantContext,
  priceListId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<PriceListEntry>> {
  await getPriceList(ctx, priceListId);
  return queryPage(
    ctx,
    { partition: priceListKeys.partition(ctx.tenantId, priceListId), sort: { beginsWith: 'PRICE#' } },
    page,
    toEntry,
  );
}

export async function priceListEntry(
  ctx: TenantContext,
  priceListId: string,
  productId: string,
): Promise<PriceListEntry | undefined> {
  const item = await getItem(ctx, priceListKeys.entry(ctx.tenantId, priceListId, productId));
  return item ? toEntry(item) : undefined;
}

/** The list's prices of several products, by product id. */
export async function priceListEntries(
  ctx: TenantContext,
  priceListId: string,
  productIds: string[],
): Promise<Map<string, number>> {
  const items = await getItems(
    ctx,
    [...new Set(productIds)].map((id) => priceListKeys.entry(ctx.tenantId, priceListId, id)),
  );
  return new Map(items.map((item) => [String(item.productId), Number(item.unitAmount)]));
}

/** A price list named in a request body; 400 on that field when it does not exist. */
export async function priceListFor(ctx: TenantContext, id: string, path: string): Promise<PriceList> {
  try {
    return await getPriceList(ctx, id);
  } catch (error) {
    if (error instanceof NotFoundError) throw ValidationError.field(path, error.message);
    throw error;
  }
}
