import {
  OrderCancelled,
  OrderFulfilled,
  OrderInvoiced,
  OrderPlaced,
  OrderReturned,
  StockChanged,
} from '../../events/sales.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
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
  UnknownReferenceError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type {
  Order,
  OrderCreate,
  OrderLine,
  OrderStatus,
  Product,
  Quote,
  ReturnCreate,
  SalesLine,
} from './commerce-schema.ts';
import { getDeal } from './deals.ts';
import { invalid } from './invalid.ts';
import { orderKeys, productKeys } from './keys.ts';
import { formatMoney } from './money.ts';
import { expectedDelivery, priceLines, resolvePricing, totalsOf } from './pricing.ts';
import { getProducts } from './products.ts';
import { getQuote, quoteOrderedInto } from './quotes.ts';
import { activeMember, callerId, existingContact, tenantToday } from './references.ts';
import { reviseEach, unchangedSince } from './revise.ts';
import { type StockMove, stockMovesInto } from './stock-moves.ts';

/**
 * Orders, from an accepted quote or directly. Placing one reserves stock (refused with 409 beyond
 * what is available, unless the tenant allows back-orders) in the order's transaction; the
 * contact's purchase history and timeline follow from the committed order (purchase-history.ts),
 * so concurrent orders of one contact never contend on them. Fulfilment deducts the reserved
 * stock; cancellation releases it; a return puts returned units back on hand and ships
 * replacements from stock.
 *
 * For invoicing: `getOrder` and each line's productId, description, quantity, unitAmount (minor
 * units, before tax) and taxRateBps; `orderInvoicedInto` links the order to its invoice.
 */
/** The order as the API shows it: the purchase history's mark (purchase-history.ts) is not part of it. */
const toOrder = (item: Item) => {
  const { purchaseRecordedAt: _recorded, ...order } = withoutKeys<Order & { purchaseRecordedAt?: string }>(
    item,
  );
  return order as Order;
};

function indexes(ctx: TenantContext, order: Order) {
  return {
    GSI1PK: orderKeys.byStatus(ctx.tenantId, order.status),
    GSI1SK: `${order.placedAt}#${order.id}`,
    GSI3PK: orderKeys.byContact(ctx.tenantId, order.contactId),
    GSI3SK: `${order.placedAt}#${order.id}`,
  };
}

const facts = (order: Order) => ({
  orderId: order.id,
  contactId: order.contactId,
  ...(order.ownerId ? { ownerId: order.ownerId } : {}),
  productIds: [...new Set(order.lines.map((l) => l.productId))],
});

const tracked = (products: Map<string, Product>, productId: string) =>
  products.get(productId)?.trackStock ?? false;

/** Per tracked product, how much of `quantities` exceeds what is available now (back-orders). */
async function shortfalls(ctx: TenantContext, quantities: Map<string, number>): Promise<Map<string, number>> {
  const items = await getItems(
    ctx,
    [...quantities.keys()].map((id) => productKeys.stock(ctx.tenantId, id)),
  );
  return new Map(
    items.map((item) => {
      const wanted = quantities.get(String(item.productId)) ?? 0;
      return [String(item.productId), Math.max(0, wanted - Math.max(0, Number(item.available)))];
    }),
  );
}

function quantitiesOf(lines: Pick<SalesLine, 'productId' | 'quantity'>[]): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const line of lines)
    quantities.set(line.productId, (quantities.get(line.productId) ?? 0) + line.quantity);
  return quantities;
}

interface OrderSource {
  /** The accepted quote the order comes from. */
  quote?: Quote;
  contactId: string;
  companyId?: string | undefined;
  quoteId?: string | undefined;
  dealId?: string | undefined;
  ownerId?: string | undefined;
  currency: string;
  lines: SalesLine[];
}

async function fromQuote(ctx: TenantContext, quoteId: string): Promise<OrderSource> {
  let quote: Quote;
  try {
    quote = await getQuote(ctx, quoteId);
  } catch (error) {
    if (error instanceof NotFoundError) throw ValidationError.field('body.quoteId', error.message);
    throw error;
  }
  if (quote.orderId)
    throw new ConflictError(`Quote ${quoteId} was already ordered (order ${quote.orderId}).`, {
      orderId: quote.orderId,
    });
  if (quote.status !== 'accepted')
    throw new ConflictError(`Quote ${quoteId} is ${quote.status}; only an accepted quote becomes an order.`, {
      status: quote.status,
    });
  // The quote outlives its contact's erasure (for the numbers); an order needs someone who buys.
  await existingContact(ctx, quote.contactId, 'body.quoteId').catch((error: unknown) => {
    if (!(error instanceof UnknownReferenceError)) throw error;
    throw new ConflictError(`Quote ${quoteId}'s contact no longer exists; it cannot become an order.`, {
      reason: 'contact_gone',
    });
  });
  return {
    quote,
    contactId: quote.contactId,
    companyId: quote.companyId,
    quoteId: quote.id,
    dealId: quote.dealId,
    ownerId: quote.ownerId,
    currency: quote.currency,
    lines: quote.lines,
  };
}

async function direct(ctx: TenantContext, input: OrderCreate): Promise<OrderSource> {
  const issues: FieldIssue[] = [];
  if (!input.contactId)
    issues.push({ path: 'body.contactId', message: 'Name the contact who buys, or a quoteId.' });
  if (!input.lines) issues.push({ path: 'body.lines', message: 'List what is ordered, or give a quoteId.' });
  if (issues.length) throw invalid(issues);
  const contact = await existingContact(ctx, input.contactId!, 'body.contactId');
  if (input.dealId) {
    await getDeal(ctx, input.dealId).catch((error: unknown) => {
      if (error instanceof NotFoundError) throw ValidationError.field('body.dealId', error.message);
      throw error;
    });
  }
  if (input.ownerId) await activeMember(ctx, input.ownerId, 'body.ownerId');
  const pricing = await resolvePricing(ctx, input.currency, input.priceListId);
  return {
    contactId: contact.id,
    companyId: contact.companyId,
    dealId: input.dealId,
    ownerId: input.ownerId ?? contact.ownerId ?? callerId(ctx),
    currency: pricing.currency,
    lines: await priceLines(ctx, input.lines!, pricing),
  };
}

export async function placeOrder(ctx: TenantContext, input: OrderCreate): Promise<Order> {
  if (input.quoteId && (input.lines || input.contactId || input.priceListId || input.currency))
    throw ValidationError.field(
      'body.quoteId',
      'An order from a quote takes its contact and lines from the quote.',
    );
  const source = input.quoteId ? await fromQuote(ctx, input.quoteId) : await direct(ctx, input);
  const { tenant, today } = await tenantToday(ctx);
  const products = await getProducts(
    ctx,
    source.lines.map((l) => l.productId),
  );
  const stocked = new Map([...quantitiesOf(source.lines)].filter(([id]) => tracked(products, id)));
  const backorders = tenant.settings.allowBackorders;
  const short = backorders ? await shortfalls(ctx, stocked) : new Map<string, number>();
  const remaining = new Map(short);
  const lines: OrderLine[] = source.lines.map((line) => {
    const open = remaining.get(line.productId) ?? 0;
    const backordered = Math.min(open, line.quantity);
    remaining.set(line.productId, open - backordered);
    return { ...line, returnedQuantity: 0, backorderedQuantity: backordered };
  });
  const now = ctx.clock.now().toISOString();
  const expected = expectedDelivery(lines, today);
  const order: Order = {
    id: newId(),
    status: 'placed',
    contactId: source.contactId,
    ...(source.companyId ? { companyId: source.companyId } : {}),
    ...(source.quoteId ? { quoteId: source.quoteId } : {}),
    ...(source.dealId ? { dealId: source.dealId } : {}),
    ...(source.ownerId ? { ownerId: source.ownerId } : {}),
    currency: source.currency,
    lines,
    ...totalsOf(lines),
    ...(expected ? { expectedDeliveryDate: expected } : {}),
    returns: [],
    placedAt: now,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const uow = unitOfWork(ctx).put(
    { ...orderKeys.order(ctx.tenantId, order.id), entity: 'Order', ...order, ...indexes(ctx, order) },
    { condition: notExists },
  );
  stockMovesInto(
    uow,
    ctx,
    [...stocked].map(([productId, quantity]) => ({
      productId,
      sku: products.get(productId)!.sku,
      reserved: quantity,
      ...(backorders ? {} : { needsAvailable: quantity }),
    })),
  );
  if (source.quote) quoteOrderedInto(uow, ctx, source.quote, order.id);
  addTimelineEntryInto(uow, ctx, order.contactId, {
    kind: 'purchase',
    title: `Order placed: ${order.lines.length} line(s)`,
    summary: formatMoney(order.total, order.currency),
    ref: { type: 'order', id: order.id },
  });
  uow.publish(OrderPlaced, {
    ...facts(order),
    ...(order.quoteId ? { quoteId: order.quoteId } : {}),
    ...(order.dealId ? { dealId: order.dealId } : {}),
    total: order.total,
    currency: order.currency,
    backordered: lines.some((l) => l.backorderedQuantity > 0),
  });
  if (stocked.size) uow.publish(StockChanged, { productIds: [...stocked.keys()], cause: 'order' });
  await uow.commit();
  return order;
}

export async function getOrder(ctx: TenantContext, id: string): Promise<Order> {
  const item = await getItem(ctx, orderKeys.order(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Order', id);
  return toOrder(item);
}

/**
 * Links the order to the invoice made from it, in invoicing's unit of work, so that an order has
 * at most one live invoice: the condition admits a first invoice, or a new one replacing
 * `replacing`, an earlier invoice of the order that was voided (a correction). A cancelled order
 * is not invoiced.
 */
export function orderInvoicedInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  order: Order,
  invoice: { id: string; total: number; currency: string },
  replacing?: string,
): void {
  uow.update(orderKeys.order(ctx.tenantId, order.id), {
    set: { invoiceId: invoice.id },
    remove: ['invoiceVoided'],
    bumpVersion: true,
    condition: (e) =>
      `attribute_exists(${e.name('PK')}) AND ${e.name('status')} <> ${e.value('cancelled')} AND ` +
      (replacing
        ? `${e.name('invoiceId')} = ${e.value(replacing)}`
        : `attribute_not_exists(${e.name('invoiceId')})`),
    onConditionFailed: (existing) =>
      existing?.status === 'cancelled'
        ? new ConflictError(`Order ${order.id} is cancelled; there is nothing to invoice.`, {
            status: 'cancelled',
          })
        : new ConflictError(`Order ${order.id} was invoiced meanwhile (invoice ${existing?.invoiceId}).`, {
            invoiceId: existing?.invoiceId,
          }),
  });
  uow.publish(OrderInvoiced, {
    ...facts(order),
    invoiceId: invoice.id,
    total: invoice.total,
    currency: invoice.currency,
  });
}

/** A contact's orders, or orders in a status, newest first. */
export async function listOrders(
  ctx: TenantContext,
  query: {
    contactId?: string | undefined;
    status?: OrderStatus | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<Order>> {
  if (query.contactId) {
    const status = query.status;
    return queryPage(
      ctx,
      {
        index: 'GSI3',
        partition: orderKeys.byContact(ctx.tenantId, query.contactId),
        ascending: false,
        ...(status
          ? { filter: (e) => `${e.name('status')} = ${e.value(status)}`, filterFingerprint: { status } }
          : {}),
      },
      query,
      toOrder,
    );
  }
  return queryPage(
    ctx,
    {
      index: 'GSI1',
      partition: orderKeys.byStatus(ctx.tenantId, query.status ?? 'placed'),
      ascending: false,
    },
    query,
    toOrder,
  );
}

async function change(
  ctx: TenantContext,
  id: string,
  ifMatch: number | 'any' | undefined,
  allowed: OrderStatus[],
  what: string,
  apply: (current: Order, products: Map<string, Product>, uow: UnitOfWork, now: string) => Order,
): Promise<Order> {
  const current = await getOrder(ctx, id);
  assertIfMatch(ifMatch, current);
  if (!allowed.includes(current.status))
    throw new ConflictError(`Order ${id} is ${current.status}; it cannot be ${what}.`, {
      status: current.status,
    });
  const products = await getProducts(
    ctx,
    current.lines.map((l) => l.productId),
  );
  const uow = unitOfWork(ctx);
  const now = ctx.clock.now().toISOString();
  const next = apply(current, products, uow, now);
  next.updatedAt = now;
  next.version = current.version + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  uow.update(orderKeys.order(ctx.tenantId, id), {
    set: { ...set, ...indexes(ctx, next) },
    ...whileVersion(
      current.version,
      () => new PreconditionFailedError('The order changed meanwhile; read it again.'),
    ),
  });
  await uow.commit();
  return next;
}

function stockedMoves(
  order: Order,
  products: Map<string, Product>,
  move: (productId: string, quantity: number, sku: string) => StockMove,
): StockMove[] {
  return [...quantitiesOf(order.lines)]
    .filter(([productId]) => tracked(products, productId))
    .map(([productId, quantity]) => move(productId, quantity, products.get(productId)!.sku));
}

/** The order shipped: reserved stock leaves the shelf (409 while not enough is physically on hand). */
export function fulfilOrder(ctx: TenantContext, id: string, ifMatch?: number | 'any'): Promise<Order> {
  return change(ctx, id, ifMatch, ['placed'], 'fulfilled', (current, products, uow, now) => {
    const next: Order = { ...current, status: 'fulfilled', fulfilledAt: now };
    const moves = stockedMoves(current, products, (productId, quantity, sku) => ({
      productId,
      sku,
      onHand: -quantity,
      reserved: -quantity,
      needsOnHand: quantity,
    }));
    stockMovesInto(uow, ctx, moves);
    uow.publish(OrderFulfilled, facts(next));
    if (moves.length)
      uow.publish(StockChanged, { productIds: moves.map((m) => m.productId), cause: 'fulfilment' });
    addTimelineEntryInto(uow, ctx, next.contactId, {
      kind: 'purchase',
      title: 'Order shipped',
      ref: { type: 'order', id: next.id },
    });
    return next;
  });
}

/**
 * A placed order is called off: its reservation is released. An order with a live invoice is not:
 * the invoice would go on being chased for goods never delivered (void it first).
 */
export function cancelOrder(ctx: TenantContext, id: string, ifMatch?: number | 'any'): Promise<Order> {
  return change(ctx, id, ifMatch, ['placed'], 'cancelled', (current, products, uow, now) => {
    if (current.invoiceId && !(current as Order & { invoiceVoided?: boolean }).invoiceVoided)
      throw new ConflictError(
        `Order ${id} is invoiced (invoice ${current.invoiceId}): void the invoice, then cancel the order.`,
        { reason: 'invoiced', invoiceId: current.invoiceId },
      );
    const next: Order = { ...current, status: 'cancelled', cancelledAt: now };
    const moves = stockedMoves(current, products, (productId, quantity, sku) => ({
      productId,
      sku,
      reserved: -quantity,
    }));
    stockMovesInto(uow, ctx, moves);
    uow.publish(OrderCancelled, facts(next));
    if (moves.length)
      uow.publish(StockChanged, { productIds: moves.map((m) => m.productId), cause: 'cancellation' });
    addTimelineEntryInto(uow, ctx, next.contactId, {
      kind: 'purchase',
      title: 'Order cancelled',
      ref: { type: 'order', id: next.id },
    });
    return next;
  });
}

/**
 * Goods of a fulfilled order come back. Restocked units go back on hand; a replacement ships from
 * available stock at once (409 when there is not enough), which may take the product below its
 * reorder point and draft a purchase order.
 */
export function returnOrder(
  ctx: TenantContext,
  id: string,
  input: ReturnCreate,
  ifMatch?: number | 'any',
): Promise<Order> {
  return change(ctx, id, ifMatch, ['fulfilled'], 'returned', (current, products, uow, now) => {
    const lines = current.lines.map((l) => ({ ...l }));
    const issues: FieldIssue[] = [];
    const moves: StockMove[] = [];
    input.lines.forEach((r, i) => {
      const line = lines.find((l) => l.id === r.lineId);
      if (!line) {
        issues.push({ path: `body.lines.${i}.lineId`, message: `Order ${id} has no line ${r.lineId}.` });
        return;
      }
      const returnable = line.quantity - line.returnedQuantity;
      if (r.quantity > returnable) {
        issues.push({
          path: `body.lines.${i}.quantity`,
          message: `Only ${returnable} of ${line.sku} can still be returned.`,
        });
        return;
      }
      line.returnedQuantity += r.quantity;
      if (!tracked(products, line.productId)) return;
      const restocked = r.restock ? r.quantity : 0;
      const shipped = r.replace ? r.quantity : 0;
      moves.push({
        productId: line.productId,
        sku: line.sku,
        onHand: restocked - shipped,
        needsAvailable: Math.max(0, shipped - restocked),
      });
    });
    if (issues.length) throw invalid(issues);
    const returned = {
      id: newId(),
      at: now,
      ...(input.reason ? { reason: input.reason } : {}),
      lines: input.lines.map((r) => ({
        lineId: r.lineId,
        productId: lines.find((l) => l.id === r.lineId)!.productId,
        quantity: r.quantity,
        restock: r.restock,
        replace: r.replace,
      })),
    };
    const fullyReturned = lines.every((l) => l.returnedQuantity >= l.quantity);
    const next: Order = {
      ...current,
      lines,
      returns: [...current.returns, returned],
      status: fullyReturned ? 'returned' : current.status,
    };
    stockMovesInto(uow, ctx, moves);
    uow.publish(OrderReturned, { ...facts(next), returnId: returned.id, fullyReturned });
    if (moves.length)
      uow.publish(StockChanged, { productIds: [...new Set(moves.map((m) => m.productId))], cause: 'return' });
    addTimelineEntryInto(uow, ctx, next.contactId, {
      kind: 'purchase',
      title: fullyReturned ? 'Order returned' : 'Part of an order returned',
      ...(input.reason ? { summary: input.reason } : {}),
      ref: { type: 'order', id: next.id },
    });
    return next;
  });
}

/**
 * A merge (ContactsMerged): the merged contact's orders are the kept contact's. An erasure changes
 * no order: what was sold, at what price, stays (the person's purchase history goes).
 */
export async function moveOrders(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  await reviseEach(
    ctx,
    { index: 'GSI3', partition: orderKeys.byContact(ctx.tenantId, mergedId) },
    (item, uow) => {
      if (item.contactId !== mergedId) return false;
      uow.update(orderKeys.order(ctx.tenantId, String(item.id)), {
        set: { contactId: keptId, GSI3PK: orderKeys.byContact(ctx.tenantId, keptId) },
        bumpVersion: true,
        ...unchangedSince(item),
      });
      return true;
    },
  );
}
