import {
  PurchaseOrderCancelled,
  PurchaseOrderDrafted,
  PurchaseOrderReceived,
  PurchaseOrderSent,
  StockChanged,
} from '../../events/sales.ts';
import { sendMail } from '../mail/service.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  type FieldIssue,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { newId } from '../platform/ids.ts';
import { getTenant } from '../tenancy/records.ts';
import type { PurchaseOrder, PurchaseOrderCreate, PurchaseOrderStatus, Supplier } from './commerce-schema.ts';
import { invalid } from './invalid.ts';
import { purchaseOrderKeys } from './keys.ts';
import { purchaseOrderMail } from './mail-content.tsx';
import { claimMail, mailSentInto, releaseMail } from './mail-guard.ts';
import { getProducts } from './products.ts';
import { stockMovesInto } from './stock-moves.ts';
import { getSupplier } from './suppliers.ts';

/**
 * Purchase orders to suppliers. Their quantities count as `onOrder` in stock from the moment they
 * are drafted until they are received (stock goes on hand) or cancelled. Sending one emails the
 * supplier once, from the PurchaseOrderSent event.
 */
const toPurchaseOrder = (item: Item) => withoutKeys<PurchaseOrder>(item);

const statusIndex = (ctx: TenantContext, order: Pick<PurchaseOrder, 'status' | 'createdAt' | 'id'>) => ({
  GSI1PK: purchaseOrderKeys.byStatus(ctx.tenantId, order.status),
  GSI1SK: `${order.createdAt}#${order.id}`,
});

const facts = (order: PurchaseOrder) => ({
  purchaseOrderId: order.id,
  supplierId: order.supplierId,
  productIds: [...new Set(order.lines.map((l) => l.productId))],
});

export interface NewPurchaseOrder {
  supplier: Supplier;
  lines: PurchaseOrder['lines'];
  origin: PurchaseOrder['origin'];
  /** Sent at once (the tenant emails purchase orders without review). */
  send: boolean;
  note?: string | undefined;
}

/** Adds a purchase order to the unit of work; its stock (`onOrder`) is the caller's to move. */
export function purchaseOrderInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  input: NewPurchaseOrder,
): PurchaseOrder {
  const now = ctx.clock.now().toISOString();
  const order: PurchaseOrder = {
    id: newId(),
    supplierId: input.supplier.id,
    supplierName: input.supplier.name,
    supplierEmail: input.supplier.email,
    status: input.send ? 'sent' : 'draft',
    origin: input.origin,
    lines: input.lines,
    ...(input.note ? { note: input.note } : {}),
    createdAt: now,
    ...(input.send ? { sentAt: now } : {}),
    updatedAt: now,
    version: 1,
  };
  uow.put(
    {
      ...purchaseOrderKeys.purchaseOrder(ctx.tenantId, order.id),
      entity: 'PurchaseOrder',
      ...order,
      ...statusIndex(ctx, order),
    },
    { condition: notExists },
  );
  uow.publish(PurchaseOrderDrafted, { ...facts(order), origin: order.origin });
  if (input.send) uow.publish(PurchaseOrderSent, facts(order));
  return order;
}

export async function createPurchaseOrder(
  ctx: TenantContext,
  input: PurchaseOrderCreate,
): Promise<PurchaseOrder> {
  let supplier: Supplier;
  try {
    supplier = await getSupplier(ctx, input.supplierId);
  } catch (error) {
    if (error instanceof NotFoundError) throw ValidationError.field('body.supplierId', error.message);
    throw error;
  }
  const products = await getProducts(
    ctx,
    input.lines.map((l) => l.productId),
  );
  const issues: FieldIssue[] = [];
  input.lines.forEach((line, i) => {
    const product = products.get(line.productId);
    if (!product)
      issues.push({ path: `body.lines.${i}.productId`, message: `Product ${line.productId} was not found.` });
    else if (!product.trackStock)
      issues.push({
        path: `body.lines.${i}.productId`,
        message: `Product ${product.sku} is not kept in stock.`,
      });
  });
  if (issues.length) throw invalid(issues);
  const lines = input.lines.map((line) => {
    const product = products.get(line.productId)!;
    return { productId: product.id, sku: product.sku, name: product.name, quantity: line.quantity };
  });
  const uow = unitOfWork(ctx);
  const order = purchaseOrderInto(uow, ctx, {
    supplier,
    lines,
    origin: 'manual',
    send: false,
    note: input.note,
  });
  stockMovesInto(
    uow,
    ctx,
    lines.map((l) => ({ productId: l.productId, sku: l.sku, onOrder: l.quantity })),
  );
  uow.publish(StockChanged, { productIds: facts(order).productIds, cause: 'purchase-order' });
  await uow.commit();
  return order;
}

export async function getPurchaseOrder(ctx: TenantContext, id: string): Promise<PurchaseOrder> {
  const item = await getItem(ctx, purchaseOrderKeys.purchaseOrder(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Purchase order', id);
  return toPurchaseOrder(item);
}

export async function listPurchaseOrders(
  ctx: TenantContext,
  query: { status: PurchaseOrderStatus; limit: number; cursor?: string | undefined },
): Promise<Page<PurchaseOrder>> {
  return queryPage(
    ctx,
    { index: 'GSI1', partition: purchaseOrderKeys.byStatus(ctx.tenantId, query.status), ascending: false },
    query,
    toPurchaseOrder,
  );
}

async function transition(
  ctx: TenantContext,
  id: string,
  to: 'sent' | 'received' | 'cancelled',
  from: PurchaseOrderStatus[],
  ifMatch: number | 'any' | undefined,
  effects: (uow: UnitOfWork, order: PurchaseOrder) => void,
): Promise<PurchaseOrder> {
  const current = await getPurchaseOrder(ctx, id);
  assertIfMatch(ifMatch, current);
  if (current.status === to) return current;
  if (!from.includes(current.status))
    throw new ConflictError(`Purchase order ${id} is ${current.status}; it cannot become ${to}.`, {
      status: current.status,
    });
  const now = ctx.clock.now().toISOString();
  const stamp = ({ sent: 'sentAt', received: 'receivedAt', cancelled: 'cancelledAt' } as const)[to];
  const next: PurchaseOrder = {
    ...current,
    status: to,
    [stamp]: now,
    updatedAt: now,
    version: current.version + 1,
  };
  const uow = unitOfWork(ctx).update(purchaseOrderKeys.purchaseOrder(ctx.tenantId, id), {
    set: { status: to, [stamp]: now, ...statusIndex(ctx, next) },
    ...whileVersion(
      current.version,
      () => new PreconditionFailedError('The purchase order changed meanwhile; read it again.'),
    ),
  });
  effects(uow, next);
  await uow.commit();
  return next;
}

/** Marks the purchase order sent; the supplier is emailed once, from the PurchaseOrderSent event. */
export function sendPurchaseOrder(ctx: TenantContext, id: string, ifMatch?: number | 'any') {
  return transition(ctx, id, 'sent', ['draft'], ifMatch, (uow, order) => {
    uow.publish(PurchaseOrderSent, facts(order));
  });
}

/** The goods arrived: they go on hand and stop counting as on order. */
export function receivePurchaseOrder(ctx: TenantContext, id: string, ifMatch?: number | 'any') {
  return transition(ctx, id, 'received', ['draft', 'sent'], ifMatch, (uow, order) => {
    stockMovesInto(
      uow,
      ctx,
      order.lines.map((l) => ({
        productId: l.productId,
        sku: l.sku,
        onHand: l.quantity,
        onOrder: -l.quantity,
      })),
    );
    uow.publish(PurchaseOrderReceived, facts(order));
    uow.publish(StockChanged, { productIds: facts(order).productIds, cause: 'receipt' });
  });
}

export function cancelPurchaseOrder(ctx: TenantContext, id: string, ifMatch?: number | 'any') {
  return transition(ctx, id, 'cancelled', ['draft', 'sent'], ifMatch, (uow, order) => {
    stockMovesInto(
      uow,
      ctx,
      order.lines.map((l) => ({ productId: l.productId, sku: l.sku, onOrder: -l.quantity })),
    );
    uow.publish(PurchaseOrderCancelled, facts(order));
    uow.publish(StockChanged, { productIds: facts(order).productIds, cause: 'purchase-order' });
  });
}

/** Emails a sent purchase order to its supplier, once however often the event arrives. */
export async function mailPurchaseOrder(
  ctx: TenantContext,
  id: string,
): Promise<'sent' | 'suppressed' | 'blocked' | 'skipped'> {
  const order = await getPurchaseOrder(ctx, id);
  if (order.status !== 'sent') return 'skipped';
  const key = purchaseOrderKeys.mail(ctx.tenantId, id);
  const claim = await claimMail(ctx, key, `purchase order ${id}`);
  if (claim.status === 'done') return 'skipped';
  const tenant = await getTenant(ctx);
  const content = purchaseOrderMail(tenant, order, await translator(tenant.locale));
  let outcome: Awaited<ReturnType<typeof sendMail>>;
  try {
    outcome = await sendMail(ctx, {
      category: 'transactional',
      sender: { ...tenant.sender, ...(tenant.replyTo ? { replyTo: tenant.replyTo } : {}) },
      to: order.supplierEmail,
      ...content,
      tags: { kind: 'purchase-order', purchaseOrderId: id },
    });
  } catch (error) {
    await releaseMail(ctx, key, claim.claimedAt);
    throw error;
  }
  const at = ctx.clock.now().toISOString();
  const uow = unitOfWork(ctx);
  mailSentInto(uow, key, claim.claimedAt, outcome);
  uow.update(purchaseOrderKeys.purchaseOrder(ctx.tenantId, id), {
    set: {
      mail: {
        status: outcome.status,
        to: order.supplierEmail,
        at,
        ...(outcome.status === 'sent' ? { messageId: outcome.messageId } : { reason: outcome.reason }),
      },
    },
  });
  await uow.commit();
  return outcome.status;
}
