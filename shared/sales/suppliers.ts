import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryPage,
  stampRevision,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { Supplier, SupplierCreate, SupplierUpdate } from './commerce-schema.ts';
import { supplierKeys } from './keys.ts';

/** Suppliers: the partners purchase orders go to. A small set per tenant, listed by name. */
const toSupplier = (item: Item) => withoutKeys<Supplier>(item);

const nameIndex = (ctx: TenantContext, supplier: Pick<Supplier, 'name' | 'id'>) => ({
  GSI1PK: supplierKeys.all(ctx.tenantId),
  GSI1SK: `${supplier.name.toLowerCase()}#${supplier.id}`,
});

export async function createSupplier(ctx: TenantContext, input: SupplierCreate): Promise<Supplier> {
  const now = ctx.clock.now().toISOString();
  const supplier: Supplier = { id: newId(), ...input, createdAt: now, updatedAt: now, version: 1 };
  await unitOfWork(ctx)
    .put(
      {
        ...supplierKeys.supplier(ctx.tenantId, supplier.id),
        entity: 'Supplier',
        ...supplier,
        ...nameIndex(ctx, supplier),
      },
      { condition: notExists },
    )
    .commit();
  return supplier;
}

export async function getSupplier(ctx: TenantContext, id: string): Promise<Supplier> {
  const item = await getItem(ctx, supplierKeys.supplier(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Supplier', id);
  return toSupplier(item);
}

export async function listSuppliers(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Supplier>> {
  return queryPage(ctx, { index: 'GSI1', partition: supplierKeys.all(ctx.tenantId) }, page, toSupplier);
}

export async function updateSupplier(
  ctx: TenantContext,
  id: string,
  input: SupplierUpdate,
  ifMatch?: number | 'any',
): Promise<Supplier> {
  const current = await getSupplier(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: Supplier = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.email !== undefined ? { email: input.email } : {}),
  };
  if (input.contactName === null) delete next.contactName;
  else if (input.contactName !== undefined) next.contactName = input.contactName;
  if (!stampRevision(ctx, current, next)) return current;
  await unitOfWork(ctx)
    .update(supplierKeys.supplier(ctx.tenantId, id), {
      set: {
        name: next.name,
        email: next.email,
        contactName: next.contactName,
        updatedAt: next.updatedAt,
        ...nameIndex(ctx, next),
      },
      ...whileVersion(current.version),
    })
    .commit();
  return next;
}
