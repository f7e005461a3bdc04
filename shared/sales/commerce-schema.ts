import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import {
  Currency,
  Email,
  Id,
  IsoDate,
  IsoDateTime,
  MinorUnits,
  NonEmpty,
  named,
} from '../platform/schema.ts';
import { Code, Note } from './fields.ts';

/**
 * Schemas of the sales module's commerce: products with their configurator, price lists,
 * suppliers, stock, purchase orders, quotes, orders and purchase history (served by
 * commerce-api; leads, pipelines and deals are in schema.ts).
 * Money is integer minor units with its currency; tax rates are basis points (2000 = 20%).
 */

const Quantity = lazy(() =>
  z.int().check(z.minimum(1, { message: 'Must be at least 1.' }), z.maximum(1_000_000)),
);
const TaxRateBps = lazy(() =>
  z.int().check(z.minimum(0), z.maximum(10_000, { message: 'Must be at most 10000 (100%).' })),
);
const Days = lazy(() => z.int().check(z.minimum(0), z.maximum(3650)));

// ---------------------------------------------------------------------------------------------
// Products, configurator, price lists

export const Price = named(
  'Price',
  lazy(() => z.object({ currency: Currency, unitAmount: MinorUnits })),
);
export type Price = z.infer<typeof Price>;

const ChoiceRef = lazy(() => z.object({ group: Code, choice: Code }));

export const OptionChoice = named(
  'OptionChoice',
  lazy(() =>
    z.object({
      id: Code,
      name: NonEmpty(100),
      /** Added to the unit price (negative for a cheaper choice), per currency; absent means 0. */
      priceDeltas: z._default(
        z.array(z.object({ currency: Currency, amount: z.int() })).check(z.maxLength(20)),
        [],
      ),
      /** Days this choice adds to the product's lead time. */
      extraLeadTimeDays: z._default(Days, 0),
    }),
  ),
);
export type OptionChoice = z.infer<typeof OptionChoice>;

export const OptionGroup = named(
  'OptionGroup',
  lazy(() =>
    z.object({
      id: Code,
      name: NonEmpty(100),
      /** A required group needs a choice in every configuration; an optional one may be left out. */
      required: z._default(z.boolean(), true),
      choices: z.array(OptionChoice).check(z.minLength(1), z.maxLength(50)),
    }),
  ),
);
export type OptionGroup = z.infer<typeof OptionGroup>;

export const ConfigurationRule = named(
  'ConfigurationRule',
  lazy(() =>
    z.object({
      id: Code,
      description: z.optional(z.string().check(z.maxLength(200))),
      /** `requires`: when `when` is chosen, one of `choices` must be too. `excludes`: none of them may be. */
      type: z.enum(['requires', 'excludes']),
      when: ChoiceRef,
      choices: z.array(ChoiceRef).check(z.minLength(1), z.maxLength(20)),
    }),
  ),
  'A rule between choices of a configurable product, kept as data.',
);
export type ConfigurationRule = z.infer<typeof ConfigurationRule>;

const productFields = {
  sku: lazy(() =>
    z.string().check(
      z.trim(),
      z.regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, {
        message: 'Must be 1 to 64 letters, digits, . _ / or -.',
      }),
    ),
  ),
  name: NonEmpty(200),
  description: lazy(() => z.optional(z.string().check(z.maxLength(5000)))),
  /** A grouping the tenant chooses (`SUVs`, `Services`...): reports sell by category. */
  category: lazy(() => z.optional(NonEmpty(100))),
  prices: lazy(() => z.array(Price).check(z.minLength(1), z.maxLength(20))),
  taxRateBps: TaxRateBps,
  leadTimeDays: Days,
  minOrderQuantity: Quantity,
  active: lazy(() => z.boolean()),
  /** Whether orders reserve and deduct stock (false for services). */
  trackStock: lazy(() => z.boolean()),
  /** The supplier purchase orders go to when stock runs low. */
  supplierId: lazy(() => z.optional(Id)),
  optionGroups: lazy(() => z.array(OptionGroup).check(z.maxLength(30))),
  rules: lazy(() => z.array(ConfigurationRule).check(z.maxLength(200))),
};

export const Product = named(
  'Product',
  lazy(() =>
    z.object({
      id: Id,
      ...productFields,
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'Something the tenant sells, possibly configurable with option groups and rules.',
);
export type Product = z.infer<typeof Product>;

export const ProductCreate = named(
  'ProductCreate',
  lazy(() =>
    z.object({
      ...productFields,
      taxRateBps: z._default(TaxRateBps, 0),
      leadTimeDays: z._default(Days, 0),
      minOrderQuantity: z._default(Quantity, 1),
      active: z._default(z.boolean(), true),
      trackStock: z._default(z.boolean(), true),
      optionGroups: z._default(productFields.optionGroups, []),
      rules: z._default(productFields.rules, []),
    }),
  ),
);
export type ProductCreate = z.infer<typeof ProductCreate>;

export const ProductUpdate = named(
  'ProductUpdate',
  lazy(() =>
    z.object({
      sku: z.optional(productFields.sku),
      name: z.optional(productFields.name),
      description: z.optional(z.nullable(z.string().check(z.maxLength(5000)))),
      category: z.optional(z.nullable(NonEmpty(100))),
      prices: z.optional(productFields.prices),
      taxRateBps: z.optional(TaxRateBps),
      leadTimeDays: z.optional(Days),
      minOrderQuantity: z.optional(Quantity),
      active: z.optional(z.boolean()),
      supplierId: z.optional(z.nullable(Id)),
      optionGroups: z.optional(productFields.optionGroups),
      rules: z.optional(productFields.rules),
      /**
       * Set when the product is created and never changed (stock already counted would be wrong);
       * accepted here with its current value, so that a sync re-sending whole products (a batch
       * upsert) does not fail.
       */
      trackStock: z.optional(productFields.trackStock),
    }),
  ),
);
export type ProductUpdate = z.infer<typeof ProductUpdate>;

/** The chosen choice per option group, e.g. `{ "paint": "red", "interior": "leather" }`. */
export const Selection = named(
  'Selection',
  lazy(() => z.record(z.string().check(z.maxLength(50)), z.string().check(z.maxLength(50)))),
);
export type Selection = z.infer<typeof Selection>;

export const ConfigureRequest = named(
  'ConfigureRequest',
  lazy(() =>
    z.object({
      selection: z._default(Selection, {}),
      /** The price list's currency, or the tenant's, when absent. */
      currency: z.optional(Currency),
      priceListId: z.optional(Id),
    }),
  ),
);
export type ConfigureRequest = z.infer<typeof ConfigureRequest>;

export const ChosenOption = named(
  'ChosenOption',
  lazy(() =>
    z.object({
      group: z.string(),
      groupName: z.string(),
      choice: z.string(),
      choiceName: z.string(),
      priceDelta: z.int(),
      extraLeadTimeDays: z.int(),
    }),
  ),
);

export const Configuration = named(
  'Configuration',
  lazy(() =>
    z.object({
      productId: Id,
      sku: z.string(),
      currency: z.string(),
      basePrice: z.int(),
      options: z.array(ChosenOption),
      /** Base price plus the chosen options' deltas, per unit. */
      unitAmount: z.int(),
      leadTimeDays: z.int(),
      /** One line naming the chosen options, e.g. "Paint: Red; Interior: Leather". */
      summary: z.string(),
    }),
  ),
  'A valid selection of options, with its price and lead time.',
);
export type Configuration = z.infer<typeof Configuration>;

export const PriceList = named(
  'PriceList',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      currency: z.string(),
      description: z.optional(z.string()),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'Prices for a kind of customer (retail, partner...), in one currency.',
);
export type PriceList = z.infer<typeof PriceList>;

export const PriceListCreate = named(
  'PriceListCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(100),
      currency: Currency,
      description: z.optional(z.string().check(z.maxLength(1000))),
    }),
  ),
);
export type PriceListCreate = z.infer<typeof PriceListCreate>;

export const PriceListUpdate = named(
  'PriceListUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(100)),
      description: z.optional(z.nullable(z.string().check(z.maxLength(1000)))),
    }),
  ),
);
export type PriceListUpdate = z.infer<typeof PriceListUpdate>;

export const PriceListEntry = named(
  'PriceListEntry',
  lazy(() => z.object({ priceListId: Id, productId: Id, unitAmount: MinorUnits, updatedAt: IsoDateTime })),
);
export type PriceListEntry = z.infer<typeof PriceListEntry>;

export const PriceListEntryInput = named(
  'PriceListEntryInput',
  lazy(() => z.object({ unitAmount: MinorUnits })),
);

// ---------------------------------------------------------------------------------------------
// Suppliers, stock, purchase orders

export const Supplier = named(
  'Supplier',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      email: z.string(),
      contactName: z.optional(z.string()),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A partner the tenant buys from; purchase orders are emailed to it.',
);
export type Supplier = z.infer<typeof Supplier>;

export const SupplierCreate = named(
  'SupplierCreate',
  lazy(() => z.object({ name: NonEmpty(200), email: Email, contactName: z.optional(NonEmpty(200)) })),
);
export type SupplierCreate = z.infer<typeof SupplierCreate>;

export const SupplierUpdate = named(
  'SupplierUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      email: z.optional(Email),
      contactName: z.optional(z.nullable(NonEmpty(200))),
    }),
  ),
);
export type SupplierUpdate = z.infer<typeof SupplierUpdate>;

export const Stock = named(
  'Stock',
  lazy(() =>
    z.object({
      productId: Id,
      onHand: z.int(),
      /** Held for placed orders not yet fulfilled. */
      reserved: z.int(),
      /** onHand − reserved: what a new order may take (negative only with back-orders). */
      available: z.int(),
      /** Ordered from suppliers (draft and sent purchase orders) and not yet received. */
      onOrder: z.int(),
      reorderPoint: z.int(),
      reorderQuantity: z.int(),
      /** Set while stock is below the reorder point and no purchase order could be drafted. */
      lowSince: z.optional(IsoDateTime),
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  "A product's stock: what is on hand, reserved, available and on order.",
);
export type Stock = z.infer<typeof Stock>;

export const StockSettings = named(
  'StockSettings',
  lazy(() =>
    z.object({
      /** A purchase order is drafted when available + on order falls below this. 0 disables reordering. */
      reorderPoint: z.optional(z.int().check(z.minimum(0), z.maximum(10_000_000))),
      /** How much a drafted purchase order asks for (at least enough to reach the reorder point). */
      reorderQuantity: z.optional(z.int().check(z.minimum(0), z.maximum(10_000_000))),
    }),
  ),
);
export type StockSettings = z.infer<typeof StockSettings>;

export const StockAdjustment = named(
  'StockAdjustment',
  lazy(() =>
    z.object({
      /** Added to the quantity on hand (negative to remove). */
      quantity: z.int().check(
        z.refine((q) => q !== 0, { message: 'Must not be 0.' }),
        z.minimum(-10_000_000),
        z.maximum(10_000_000),
      ),
      reason: z.enum(['count', 'receipt', 'damage', 'other']),
      note: z.optional(z.string().check(z.maxLength(500))),
    }),
  ),
);
export type StockAdjustment = z.infer<typeof StockAdjustment>;

export const PURCHASE_ORDER_STATUSES = ['draft', 'sent', 'received', 'cancelled'] as const;
export const PurchaseOrderStatus = named(
  'PurchaseOrderStatus',
  lazy(() => z.enum(PURCHASE_ORDER_STATUSES)),
);
export type PurchaseOrderStatus = z.infer<typeof PurchaseOrderStatus>;

const MailRecord = lazy(() =>
  z.object({
    status: z.enum(['sent', 'suppressed']),
    to: z.string(),
    at: IsoDateTime,
    messageId: z.optional(z.string()),
    reason: z.optional(z.string()),
  }),
);

export const PurchaseOrder = named(
  'PurchaseOrder',
  lazy(() =>
    z.object({
      id: Id,
      supplierId: Id,
      supplierName: z.string(),
      supplierEmail: z.string(),
      status: PurchaseOrderStatus,
      /** `reorder`: drafted because stock fell below the reorder point. */
      origin: z.enum(['reorder', 'manual']),
      lines: z.array(z.object({ productId: Id, sku: z.string(), name: z.string(), quantity: z.int() })),
      note: z.optional(z.string()),
      mail: z.optional(MailRecord),
      createdAt: IsoDateTime,
      sentAt: z.optional(IsoDateTime),
      receivedAt: z.optional(IsoDateTime),
      cancelledAt: z.optional(IsoDateTime),
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'Goods ordered from a supplier.',
);
export type PurchaseOrder = z.infer<typeof PurchaseOrder>;

export const PurchaseOrderCreate = named(
  'PurchaseOrderCreate',
  lazy(() =>
    z.object({
      supplierId: Id,
      lines: z.array(z.object({ productId: Id, quantity: Quantity })).check(z.minLength(1), z.maxLength(40)),
      note: z.optional(z.string().check(z.maxLength(2000))),
    }),
  ),
);
export type PurchaseOrderCreate = z.infer<typeof PurchaseOrderCreate>;

// ---------------------------------------------------------------------------------------------
// Quotes and orders

const LineInput = lazy(() =>
  z.object({
    productId: Id,
    quantity: Quantity,
    /** For configurable products: the chosen choice per option group. */
    selection: z.optional(Selection),
  }),
);
export type LineInput = z.infer<typeof LineInput>;

export const LineConfiguration = named(
  'LineConfiguration',
  lazy(() => z.object({ selection: Selection, summary: z.string() })),
);

/** A priced line of a quote or an order; amounts in the document's currency. */
export const SalesLine = named(
  'SalesLine',
  lazy(() =>
    z.object({
      id: z.string(),
      productId: Id,
      sku: z.string(),
      description: z.string(),
      quantity: z.int(),
      /** Per unit, options included, before tax. */
      unitAmount: z.int(),
      taxRateBps: z.int(),
      /** quantity × unitAmount. */
      lineAmount: z.int(),
      /** lineAmount × taxRateBps / 10000, rounded half up. */
      taxAmount: z.int(),
      leadTimeDays: z.int(),
      configuration: z.optional(LineConfiguration),
    }),
  ),
);
export type SalesLine = z.infer<typeof SalesLine>;

export const QUOTE_STATUSES = ['requested', 'draft', 'sent', 'accepted', 'rejected', 'expired'] as const;
export const QuoteStatus = named(
  'QuoteStatus',
  lazy(() => z.enum(QUOTE_STATUSES)),
);
export type QuoteStatus = z.infer<typeof QuoteStatus>;

export const Quote = named(
  'Quote',
  lazy(() =>
    z.object({
      id: Id,
      status: QuoteStatus,
      contactId: Id,
      companyId: z.optional(Id),
      dealId: z.optional(Id),
      ownerId: z.optional(Id),
      /** The request for quotation, when the quote answers one. */
      request: z.optional(z.object({ message: z.string(), receivedAt: IsoDateTime })),
      currency: z.string(),
      priceListId: z.optional(Id),
      lines: z.array(SalesLine),
      subtotal: z.int(),
      taxTotal: z.int(),
      total: z.int(),
      /** Last day (tenant's time zone) the quote can be accepted. */
      validUntil: IsoDate,
      /** If accepted on the day it was priced: that day plus the longest lead time. */
      expectedDeliveryDate: z.optional(IsoDate),
      notes: z.optional(z.string()),
      /** Goes up each time a sent quote is changed; each revision is emailed once. */
      revision: z.int(),
      mail: z.optional(z.extend(MailRecord, { revision: z.int() })),
      orderId: z.optional(Id),
      rejectionReason: z.optional(z.string()),
      sentAt: z.optional(IsoDateTime),
      acceptedAt: z.optional(IsoDateTime),
      rejectedAt: z.optional(IsoDateTime),
      expiredAt: z.optional(IsoDateTime),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'An offer to a contact: from a request for quotation to accepted, rejected or expired.',
);
export type Quote = z.infer<typeof Quote>;

export const QuoteCreate = named(
  'QuoteCreate',
  lazy(() =>
    z.object({
      contactId: Id,
      dealId: z.optional(Id),
      /** The contact's owner, else the caller, when absent. */
      ownerId: z.optional(Id),
      /** A request for quotation received from the contact: the quote starts as `requested`. */
      request: z.optional(z.object({ message: Note, receivedAt: z.optional(IsoDateTime) })),
      currency: z.optional(Currency),
      priceListId: z.optional(Id),
      lines: z._default(z.array(LineInput).check(z.maxLength(40)), []),
      validUntil: z.optional(IsoDate),
      notes: z.optional(Note),
    }),
  ),
);
export type QuoteCreate = z.infer<typeof QuoteCreate>;

export const QuoteUpdate = named(
  'QuoteUpdate',
  lazy(() =>
    z.object({
      lines: z.optional(z.array(LineInput).check(z.maxLength(40))),
      priceListId: z.optional(z.nullable(Id)),
      validUntil: z.optional(IsoDate),
      ownerId: z.optional(Id),
      dealId: z.optional(z.nullable(Id)),
      notes: z.optional(z.nullable(Note)),
    }),
  ),
);
export type QuoteUpdate = z.infer<typeof QuoteUpdate>;

export const QuoteRejection = named(
  'QuoteRejection',
  lazy(() => z.object({ reason: z.optional(z.string().check(z.maxLength(500))) })),
);

export const ORDER_STATUSES = ['placed', 'fulfilled', 'returned', 'cancelled'] as const;
export const OrderStatus = named(
  'OrderStatus',
  lazy(() => z.enum(ORDER_STATUSES)),
);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderLine = named(
  'OrderLine',
  lazy(() =>
    z.extend(SalesLine, {
      /** Units returned so far. */
      returnedQuantity: z.int(),
      /** Units ordered beyond available stock (only when the tenant allows back-orders). */
      backorderedQuantity: z.int(),
    }),
  ),
);
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderReturn = named(
  'OrderReturn',
  lazy(() =>
    z.object({
      id: Id,
      at: IsoDateTime,
      reason: z.optional(z.string()),
      lines: z.array(
        z.object({
          lineId: z.string(),
          productId: Id,
          quantity: z.int(),
          restock: z.boolean(),
          replace: z.boolean(),
        }),
      ),
    }),
  ),
);
export type OrderReturn = z.infer<typeof OrderReturn>;

export const Order = named(
  'Order',
  lazy(() =>
    z.object({
      id: Id,
      status: OrderStatus,
      contactId: Id,
      companyId: z.optional(Id),
      quoteId: z.optional(Id),
      dealId: z.optional(Id),
      ownerId: z.optional(Id),
      currency: z.string(),
      lines: z.array(OrderLine),
      subtotal: z.int(),
      taxTotal: z.int(),
      total: z.int(),
      expectedDeliveryDate: z.optional(IsoDate),
      returns: z.array(OrderReturn),
      /** The invoice made from this order (the latest one, when an earlier one was voided). */
      invoiceId: z.optional(Id),
      placedAt: IsoDateTime,
      fulfilledAt: z.optional(IsoDateTime),
      cancelledAt: z.optional(IsoDateTime),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'What a contact bought: reserves stock when placed, deducts it when fulfilled.',
);
export type Order = z.infer<typeof Order>;

export const OrderCreate = named(
  'OrderCreate',
  lazy(() =>
    z.object({
      /** An accepted quote: the order takes its lines and prices. */
      quoteId: z.optional(Id),
      /** Without a quote: who buys, and what. */
      contactId: z.optional(Id),
      currency: z.optional(Currency),
      priceListId: z.optional(Id),
      lines: z.optional(z.array(LineInput).check(z.minLength(1), z.maxLength(40))),
      dealId: z.optional(Id),
      ownerId: z.optional(Id),
    }),
  ),
);
export type OrderCreate = z.infer<typeof OrderCreate>;

export const ReturnCreate = named(
  'ReturnCreate',
  lazy(() =>
    z.object({
      lines: z
        .array(
          z.object({
            lineId: z.string(),
            quantity: Quantity,
            /** The returned units go back on the shelf. */
            restock: z._default(z.boolean(), true),
            /** A replacement unit ships from stock for each returned one. */
            replace: z._default(z.boolean(), false),
          }),
        )
        .check(z.minLength(1), z.maxLength(40)),
      reason: z.optional(z.string().check(z.maxLength(500))),
    }),
  ),
);
export type ReturnCreate = z.infer<typeof ReturnCreate>;

// ---------------------------------------------------------------------------------------------
// Purchase history

export const PurchasedProduct = named(
  'PurchasedProduct',
  lazy(() =>
    z.object({
      productId: Id,
      sku: z.optional(z.string()),
      name: z.optional(z.string()),
      firstBoughtAt: IsoDateTime,
      lastBoughtAt: IsoDateTime,
      quantity: z.int(),
    }),
  ),
);
export type PurchasedProduct = z.infer<typeof PurchasedProduct>;

export const ContactPurchases = named(
  'ContactPurchases',
  lazy(() =>
    z.object({
      contactId: Id,
      lastPurchaseAt: z.optional(IsoDateTime),
      lastPurchaseDate: z.optional(IsoDate),
      orderCount: z.int(),
      items: z.array(PurchasedProduct),
      nextCursor: z.optional(z.string()),
    }),
  ),
  "A contact's products bought, from their orders.",
);
