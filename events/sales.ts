import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/**
 * Every step of the sales funnel, published from the transaction of its change. The first three
 * are contracts other modules rely on (automation's quote follow-up, purchase history for
 * segments and the inactivity trigger): keep their payloads.
 */
export const QuoteRequested = defineEvent(
  'sales',
  'QuoteRequested',
  'A contact asked for a quote (a request for quotation was recorded).',
  lazy(() => z.object({ quoteId: z.string(), contactId: z.string(), ownerId: z.optional(z.string()) })),
  { enrich: ['customer', 'owner'] },
);

export const QuoteSent = defineEvent(
  'sales',
  'QuoteSent',
  'A quote was emailed to its contact.',
  lazy(() => z.object({ quoteId: z.string(), contactId: z.string(), ownerId: z.optional(z.string()) })),
  { enrich: ['customer', 'owner'] },
);

export const PurchaseRecorded = defineEvent(
  'sales',
  'PurchaseRecorded',
  "A contact bought products (an order was placed); the contact's purchase history and last purchase date moved.",
  lazy(() =>
    z.object({
      contactId: z.string(),
      orderId: z.string(),
      productIds: z.array(z.string()),
      /** Minor units. */
      amount: z.int(),
      currency: z.string(),
      purchasedAt: z.string(),
    }),
  ),
  { occurredAt: 'purchasedAt', enrich: ['customer'] },
);

// Leads

/**
 * The lead sources the warehouse keeps as `origin`. A lead's `source` is whatever its form or
 * member wrote; any other value is `other` there (docs/analytics.md, Privacy).
 */
const LEAD_ORIGINS = [
  'web',
  'form',
  'email',
  'phone',
  'chat',
  'referral',
  'partner',
  'trade-show',
  'event',
  'advertising',
  'social',
  'import',
  'api',
] as const;

export const LeadReceived = defineEvent(
  'sales',
  'LeadReceived',
  'A lead arrived (from a form, an import or a member); assignment rules ran in the same change.',
  lazy(() =>
    z.object({
      leadId: z.string(),
      source: z.string(),
      score: z.int(),
      region: z.optional(z.string()),
      contactId: z.optional(z.string()),
      ownerId: z.optional(z.string()),
    }),
  ),
  { columns: { source: 'origin' }, vocabularies: { source: LEAD_ORIGINS }, enrich: ['owner'] },
);

export const LeadAssigned = defineEvent(
  'sales',
  'LeadAssigned',
  'A lead got an owner: by an assignment rule (`ruleId`) or by a member.',
  lazy(() => z.object({ leadId: z.string(), ownerId: z.string(), ruleId: z.optional(z.string()) })),
  { enrich: ['owner'] },
);

export const LeadStatusChanged = defineEvent(
  'sales',
  'LeadStatusChanged',
  'A lead moved to another status (new, working, qualified, disqualified).',
  lazy(() =>
    z.object({ leadId: z.string(), from: z.string(), to: z.string(), ownerId: z.optional(z.string()) }),
  ),
  { columns: { from: 'from_status', to: 'status' }, enrich: ['owner'] },
);

export const LeadConverted = defineEvent(
  'sales',
  'LeadConverted',
  'A lead became a contact (new or existing), possibly a company, and a deal, in one change.',
  lazy(() =>
    z.object({
      leadId: z.string(),
      contactId: z.string(),
      companyId: z.optional(z.string()),
      dealId: z.string(),
      ownerId: z.optional(z.string()),
    }),
  ),
  { enrich: ['customer', 'owner'] },
);

// Deals

const DealFacts = {
  dealId: lazy(() => z.string()),
  pipelineId: lazy(() => z.string()),
  /** Minor units. */
  amount: lazy(() => z.int()),
  currency: lazy(() => z.string()),
  ownerId: lazy(() => z.optional(z.string())),
};

export const DealCreated = defineEvent(
  'sales',
  'DealCreated',
  'A deal was opened in a pipeline (directly or by converting a lead).',
  lazy(() => z.object({ ...DealFacts, stageId: z.string(), leadId: z.optional(z.string()) })),
  { enrich: ['owner', 'stages'] },
);

export const DealStageChanged = defineEvent(
  'sales',
  'DealStageChanged',
  'A deal entered another stage of its pipeline; `status` is open, won or lost after the move.',
  lazy(() =>
    z.object({
      ...DealFacts,
      fromStageId: z.string(),
      toStageId: z.string(),
      status: z.string(),
      /** How long the deal stayed in `fromStageId`. */
      secondsInPreviousStage: z.optional(z.int()),
    }),
  ),
  {
    columns: { toStageId: 'stage_id', secondsInPreviousStage: 'duration_seconds' },
    enrich: ['owner', 'stages'],
  },
);

export const DealWon = defineEvent(
  'sales',
  'DealWon',
  "A deal entered its pipeline's won stage.",
  lazy(() => z.object({ ...DealFacts, contactIds: z.array(z.string()) })),
  { columns: { contactIds: 'contact_id' }, enrich: ['owner', 'customer'] },
);

export const DealLost = defineEvent(
  'sales',
  'DealLost',
  'A deal entered a lost stage.',
  lazy(() => z.object({ ...DealFacts, reason: z.optional(z.string()) })),
  { enrich: ['owner'] },
);

export const DealChanged = defineEvent(
  'sales',
  'DealChanged',
  'Fields of a deal other than its stage changed (amount, owner, close date...); `fields` names them.',
  lazy(() => z.object({ ...DealFacts, fields: z.array(z.string()) })),
  { enrich: ['owner'] },
);

// Products and stock

export const ProductCreated = defineEvent(
  'sales',
  'ProductCreated',
  'A product was added to the catalogue.',
  lazy(() => z.object({ productId: z.string(), sku: z.string() })),
  { enrich: ['product'] },
);

export const ProductChanged = defineEvent(
  'sales',
  'ProductChanged',
  'A product changed (prices, options, active flag...); `fields` names what changed.',
  lazy(() => z.object({ productId: z.string(), sku: z.string(), fields: z.array(z.string()) })),
  { enrich: ['product'] },
);

export const StockChanged = defineEvent(
  'sales',
  'StockChanged',
  'Stock of products moved (order, cancellation, fulfilment, return, adjustment, receipt, settings); the reorder check reacts.',
  lazy(() =>
    z.object({
      productIds: z.array(z.string()),
      cause: z.enum([
        'order',
        'cancellation',
        'fulfilment',
        'return',
        'adjustment',
        'receipt',
        'purchase-order',
        'settings',
      ]),
    }),
  ),
  { columns: { cause: 'origin' } },
);

export const StockBelowReorderPoint = defineEvent(
  'sales',
  'StockBelowReorderPoint',
  'Available plus on-order stock of a product fell below its reorder point (once per crossing).',
  lazy(() =>
    z.object({
      productId: z.string(),
      sku: z.string(),
      available: z.int(),
      onOrder: z.int(),
      reorderPoint: z.int(),
      /** The purchase order drafted for it, when the product has a supplier. */
      purchaseOrderId: z.optional(z.string()),
    }),
  ),
  { enrich: ['product'] },
);

// Purchase orders

const PurchaseOrderFacts = {
  purchaseOrderId: lazy(() => z.string()),
  supplierId: lazy(() => z.string()),
  productIds: lazy(() => z.array(z.string())),
};

export const PurchaseOrderDrafted = defineEvent(
  'sales',
  'PurchaseOrderDrafted',
  'A purchase order to a supplier was drafted (`origin`: reorder or manual).',
  lazy(() => z.object({ ...PurchaseOrderFacts, origin: z.enum(['reorder', 'manual']) })),
);

export const PurchaseOrderSent = defineEvent(
  'sales',
  'PurchaseOrderSent',
  'A purchase order was sent: it is emailed to its supplier once.',
  lazy(() => z.object(PurchaseOrderFacts)),
);

export const PurchaseOrderReceived = defineEvent(
  'sales',
  'PurchaseOrderReceived',
  'The goods of a purchase order arrived and were added to stock.',
  lazy(() => z.object(PurchaseOrderFacts)),
);

export const PurchaseOrderCancelled = defineEvent(
  'sales',
  'PurchaseOrderCancelled',
  'A purchase order was cancelled before its goods arrived.',
  lazy(() => z.object(PurchaseOrderFacts)),
);

// Quotes

const QuoteFacts = {
  quoteId: lazy(() => z.string()),
  contactId: lazy(() => z.string()),
  ownerId: lazy(() => z.optional(z.string())),
};

export const QuoteDrafted = defineEvent(
  'sales',
  'QuoteDrafted',
  'A quote got priced lines: created as a draft, drafted from a request, or revised after it was sent.',
  lazy(() => z.object({ ...QuoteFacts, revision: z.int() })),
  { enrich: ['customer', 'owner'] },
);

export const QuoteAccepted = defineEvent(
  'sales',
  'QuoteAccepted',
  'The contact accepted a quote.',
  lazy(() =>
    z.object({ ...QuoteFacts, dealId: z.optional(z.string()), total: z.int(), currency: z.string() }),
  ),
  { columns: { total: 'amount' }, enrich: ['customer', 'owner'] },
);

export const QuoteRejected = defineEvent(
  'sales',
  'QuoteRejected',
  'The contact rejected a quote.',
  lazy(() => z.object({ ...QuoteFacts, reason: z.optional(z.string()) })),
  { enrich: ['customer', 'owner'] },
);

export const QuoteExpired = defineEvent(
  'sales',
  'QuoteExpired',
  'A sent quote passed its validity date without an answer.',
  lazy(() => z.object({ ...QuoteFacts, validUntil: z.string() })),
  { enrich: ['customer', 'owner'] },
);

// Orders

const OrderFacts = {
  orderId: lazy(() => z.string()),
  contactId: lazy(() => z.string()),
  ownerId: lazy(() => z.optional(z.string())),
  productIds: lazy(() => z.array(z.string())),
};

export const OrderPlaced = defineEvent(
  'sales',
  'OrderPlaced',
  'An order was placed (from an accepted quote or directly) and its stock reserved.',
  lazy(() =>
    z.object({
      ...OrderFacts,
      quoteId: z.optional(z.string()),
      dealId: z.optional(z.string()),
      /** Minor units, tax included. */
      total: z.int(),
      currency: z.string(),
      backordered: z.boolean(),
    }),
  ),
  { columns: { total: 'amount' }, enrich: ['customer', 'owner', 'order-lines'] },
);

export const OrderFulfilled = defineEvent(
  'sales',
  'OrderFulfilled',
  'An order shipped: its reserved stock was deducted.',
  lazy(() => z.object(OrderFacts)),
  { enrich: ['customer', 'owner'] },
);

export const OrderCancelled = defineEvent(
  'sales',
  'OrderCancelled',
  'A placed order was cancelled: its reservation was released.',
  lazy(() => z.object(OrderFacts)),
  { enrich: ['customer', 'owner', 'order-lines'] },
);

export const OrderInvoiced = defineEvent(
  'sales',
  'OrderInvoiced',
  'A draft invoice was made from an order (by invoicing, in the same transaction as the draft).',
  lazy(() =>
    z.object({
      ...OrderFacts,
      invoiceId: z.string(),
      /** Minor units, tax included: what the invoice bills (returned units excluded). */
      total: z.int(),
      currency: z.string(),
    }),
  ),
  { columns: { total: 'amount' }, enrich: ['customer', 'owner'] },
);

export const OrderReturned = defineEvent(
  'sales',
  'OrderReturned',
  'Goods of a fulfilled order came back; restocked units went back on hand, replacements left it.',
  lazy(() => z.object({ ...OrderFacts, returnId: z.string(), fullyReturned: z.boolean() })),
  { enrich: ['customer', 'owner'] },
);
