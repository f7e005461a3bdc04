import * as z from 'zod/mini';
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

/**
 * Schemas of the sales module: leads, pipelines and deals, products with their configurator,
 * price lists, suppliers, quotes, orders, stock and purchase orders, purchase history.
 * Money is integer minor units with its currency; tax rates are basis points (2000 = 20%).
 */

/** Identifiers a tenant chooses for option groups, choices and rules: readable in rule messages. */
const Code = z.string().check(
  z.regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, {
    message: 'Must be 1 to 50 lower-case letters, digits, - or _ (e.g. paint-colour).',
  }),
);

const Quantity = z.int().check(z.minimum(1, { message: 'Must be at least 1.' }), z.maximum(1_000_000));
const TaxRateBps = z
  .int()
  .check(z.minimum(0), z.maximum(10_000, { message: 'Must be at most 10000 (100%).' }));
const Days = z.int().check(z.minimum(0), z.maximum(3650));
const Percent = z.int().check(z.minimum(0), z.maximum(100));
const Note = z.string().check(z.trim(), z.maxLength(5000));
const Label = z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50));

// ---------------------------------------------------------------------------------------------
// Leads

export const LEAD_STATUSES = ['new', 'working', 'qualified', 'disqualified', 'converted'] as const;
export const LeadStatus = named('LeadStatus', z.enum(LEAD_STATUSES));
export type LeadStatus = z.infer<typeof LeadStatus>;

const Prospect = z.object({
  firstName: NonEmpty(100),
  lastName: NonEmpty(100),
  email: z.optional(Email),
});

const ProspectCompany = z.object({
  name: NonEmpty(200),
  domain: z.optional(
    z.string().check(
      z.trim(),
      z.toLowerCase(),
      z.regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, {
        message: 'Must be a domain name such as example.com.',
      }),
    ),
  ),
});

export const LeadHistoryEntry = named(
  'LeadHistoryEntry',
  z.object({
    at: IsoDateTime,
    action: z.enum([
      'received',
      'assigned',
      'status_changed',
      'scored',
      'converted',
      'contact_merged',
      'erased',
    ]),
    detail: z.string(),
    actor: z.string(),
  }),
);
export type LeadHistoryEntry = z.infer<typeof LeadHistoryEntry>;

export const Lead = named(
  'Lead',
  z.object({
    id: Id,
    source: z.string(),
    status: LeadStatus,
    score: z.int(),
    region: z.optional(z.string()),
    /** The contact the lead concerns, when it is already in the address book. */
    contactId: z.optional(Id),
    /** Who the lead is, when it is not (yet) a contact: conversion creates the contact. */
    person: z.optional(Prospect),
    company: z.optional(ProspectCompany),
    message: z.optional(z.string()),
    ownerId: z.optional(Id),
    /** The assignment rule that chose the owner, if one did. */
    assignedByRule: z.optional(z.string()),
    conversion: z.optional(
      z.object({ contactId: Id, companyId: z.optional(Id), dealId: Id, convertedAt: IsoDateTime }),
    ),
    /** The person was erased with their contact: `person` and `message` are gone. */
    personErasedAt: z.optional(IsoDateTime),
    history: z.array(LeadHistoryEntry),
    receivedAt: IsoDateTime,
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'A prospect out of the stream of contacts, before it becomes a deal.',
);
export type Lead = z.infer<typeof Lead>;

export const LeadCreate = named(
  'LeadCreate',
  z.object({
    source: Label,
    score: z._default(Percent, 0),
    region: z.optional(Label),
    contactId: z.optional(Id),
    person: z.optional(Prospect),
    company: z.optional(ProspectCompany),
    message: z.optional(Note),
    /** Leaves assignment rules out: the lead goes to this member. */
    ownerId: z.optional(Id),
    receivedAt: z.optional(IsoDateTime),
  }),
);
export type LeadCreate = z.infer<typeof LeadCreate>;

export const LeadUpdate = named(
  'LeadUpdate',
  z.object({
    status: z.optional(z.enum(['new', 'working', 'qualified', 'disqualified'])),
    score: z.optional(Percent),
    region: z.optional(z.nullable(Label)),
    ownerId: z.optional(z.nullable(Id)),
    message: z.optional(z.nullable(Note)),
  }),
);
export type LeadUpdate = z.infer<typeof LeadUpdate>;

export const LeadConversion = named(
  'LeadConversion',
  z.object({
    /** The tenant's first pipeline when absent. */
    pipelineId: z.optional(Id),
    /** The pipeline's first open stage when absent. */
    stageId: z.optional(z.string()),
    dealName: z.optional(NonEmpty(200)),
    amount: z._default(MinorUnits, 0),
    currency: z.optional(Currency),
    expectedCloseDate: z.optional(IsoDate),
  }),
);
export type LeadConversion = z.infer<typeof LeadConversion>;

const ChoiceOfAssignee = z.discriminatedUnion('type', [
  z.object({ type: z.literal('member'), memberId: Id }),
  z.object({ type: z.literal('round_robin'), team: NonEmpty(100) }),
]);

export const LeadAssignmentRule = named(
  'LeadAssignmentRule',
  z.object({
    id: Code,
    description: z.optional(z.string().check(z.maxLength(200))),
    /** Every listed condition must hold; an empty match catches every lead. */
    match: z._default(
      z.object({
        sources: z.optional(z.array(Label).check(z.minLength(1), z.maxLength(50))),
        regions: z.optional(z.array(Label).check(z.minLength(1), z.maxLength(50))),
      }),
      {},
    ),
    assign: ChoiceOfAssignee,
  }),
  'Which member a new lead goes to: a named member, or the next member of a team in turn.',
);
export type LeadAssignmentRule = z.infer<typeof LeadAssignmentRule>;

export const LeadAssignmentRules = named(
  'LeadAssignmentRules',
  z.object({
    /** Tried in order; the first rule that matches assigns the lead. */
    rules: z.array(LeadAssignmentRule),
    version: z.int(),
    updatedAt: z.optional(IsoDateTime),
  }),
);
export type LeadAssignmentRules = z.infer<typeof LeadAssignmentRules>;

export const LeadAssignmentRulesUpdate = named(
  'LeadAssignmentRulesUpdate',
  z.object({ rules: z.array(LeadAssignmentRule).check(z.maxLength(100)) }),
);

// ---------------------------------------------------------------------------------------------
// Pipelines and deals

export const STAGE_OUTCOMES = ['open', 'won', 'lost'] as const;

export const Stage = named(
  'Stage',
  z.object({
    id: z.string(),
    name: z.string(),
    outcome: z.enum(STAGE_OUTCOMES),
    /** Default win probability of deals in the stage, in percent (won 100, lost 0). */
    probability: z.int(),
  }),
);
export type Stage = z.infer<typeof Stage>;

const StageInput = z.object({
  /** Keep an existing stage by sending its id; stages without an id are new. */
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(40))),
  name: NonEmpty(100),
  outcome: z._default(z.enum(STAGE_OUTCOMES), 'open'),
  probability: z.optional(Percent),
});

export const Pipeline = named(
  'Pipeline',
  z.object({
    id: Id,
    name: z.string(),
    stages: z.array(Stage),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'A sequence of stages deals move through, ending in won or lost.',
);
export type Pipeline = z.infer<typeof Pipeline>;

export const PipelineCreate = named(
  'PipelineCreate',
  z.object({ name: NonEmpty(100), stages: z.array(StageInput).check(z.minLength(3), z.maxLength(30)) }),
);
export type PipelineCreate = z.infer<typeof PipelineCreate>;
export type StageInput = z.infer<typeof StageInput>;

export const PipelineUpdate = named(
  'PipelineUpdate',
  z.object({
    name: z.optional(NonEmpty(100)),
    stages: z.optional(z.array(StageInput).check(z.minLength(3), z.maxLength(30))),
  }),
);
export type PipelineUpdate = z.infer<typeof PipelineUpdate>;

const MoneyValue = z.object({ currency: z.string(), amount: z.int(), weightedAmount: z.int() });

export const FunnelStage = named(
  'FunnelStage',
  z.object({
    stageId: z.string(),
    name: z.string(),
    outcome: z.enum(STAGE_OUTCOMES),
    probability: z.int(),
    /** Deals in the stage now, and their value per currency (weighted by the stage probability). */
    count: z.int(),
    values: z.array(MoneyValue),
    /** Deals that ever reached the stage or went past it (won deals passed every open stage). */
    reached: z.int(),
    /** reached of this stage / reached of the previous open stage, in basis points (not for lost stages). */
    conversionBps: z.optional(z.int()),
    /** Deals that left the stage, and how long they had stayed in it on average. */
    exits: z.int(),
    averageSecondsInStage: z.optional(z.int()),
  }),
);

export const Funnel = named(
  'Funnel',
  z.object({ pipelineId: Id, name: z.string(), stages: z.array(FunnelStage) }),
  'Count and value per stage, conversion between stages and time spent in each.',
);

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;

export const Deal = named(
  'Deal',
  z.object({
    id: Id,
    name: z.string(),
    pipelineId: Id,
    stageId: z.string(),
    status: z.enum(DEAL_STATUSES),
    probability: z.int(),
    amount: MinorUnits,
    currency: z.string(),
    expectedCloseDate: z.optional(IsoDate),
    ownerId: z.optional(Id),
    contactIds: z.array(Id),
    companyId: z.optional(Id),
    leadId: z.optional(Id),
    lostReason: z.optional(z.string()),
    stageEnteredAt: IsoDateTime,
    closedAt: z.optional(IsoDateTime),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'An opportunity moving through a pipeline.',
);
export type Deal = z.infer<typeof Deal>;

export const DealCreate = named(
  'DealCreate',
  z.object({
    name: NonEmpty(200),
    pipelineId: Id,
    stageId: z.optional(z.string()),
    amount: z._default(MinorUnits, 0),
    currency: z.optional(Currency),
    expectedCloseDate: z.optional(IsoDate),
    ownerId: z.optional(Id),
    contactIds: z._default(z.array(Id).check(z.maxLength(20)), []),
    companyId: z.optional(Id),
  }),
);
export type DealCreate = z.infer<typeof DealCreate>;

export const DealUpdate = named(
  'DealUpdate',
  z.object({
    name: z.optional(NonEmpty(200)),
    stageId: z.optional(z.string()),
    amount: z.optional(MinorUnits),
    currency: z.optional(Currency),
    expectedCloseDate: z.optional(z.nullable(IsoDate)),
    ownerId: z.optional(z.nullable(Id)),
    contactIds: z.optional(z.array(Id).check(z.maxLength(20))),
    companyId: z.optional(z.nullable(Id)),
    lostReason: z.optional(z.nullable(z.string().check(z.maxLength(500)))),
  }),
);
export type DealUpdate = z.infer<typeof DealUpdate>;

export const StageChange = named(
  'StageChange',
  z.object({
    id: Id,
    dealId: Id,
    pipelineId: Id,
    /** Absent for the stage a deal was created in. */
    fromStageId: z.optional(z.string()),
    toStageId: z.string(),
    at: IsoDateTime,
    /** How long the deal had been in the stage it left. */
    secondsInPreviousStage: z.optional(z.int()),
    actor: z.string(),
  }),
  'A deal entering a stage.',
);
export type StageChange = z.infer<typeof StageChange>;

// ---------------------------------------------------------------------------------------------
// Products, configurator, price lists

export const Price = named('Price', z.object({ currency: Currency, unitAmount: MinorUnits }));
export type Price = z.infer<typeof Price>;

const ChoiceRef = z.object({ group: Code, choice: Code });

export const OptionChoice = named(
  'OptionChoice',
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
);
export type OptionChoice = z.infer<typeof OptionChoice>;

export const OptionGroup = named(
  'OptionGroup',
  z.object({
    id: Code,
    name: NonEmpty(100),
    /** A required group needs a choice in every configuration; an optional one may be left out. */
    required: z._default(z.boolean(), true),
    choices: z.array(OptionChoice).check(z.minLength(1), z.maxLength(50)),
  }),
);
export type OptionGroup = z.infer<typeof OptionGroup>;

export const ConfigurationRule = named(
  'ConfigurationRule',
  z.object({
    id: Code,
    description: z.optional(z.string().check(z.maxLength(200))),
    /** `requires`: when `when` is chosen, one of `choices` must be too. `excludes`: none of them may be. */
    type: z.enum(['requires', 'excludes']),
    when: ChoiceRef,
    choices: z.array(ChoiceRef).check(z.minLength(1), z.maxLength(20)),
  }),
  'A rule between choices of a configurable product, kept as data.',
);
export type ConfigurationRule = z.infer<typeof ConfigurationRule>;

const productFields = {
  sku: z.string().check(
    z.trim(),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, {
      message: 'Must be 1 to 64 letters, digits, . _ / or -.',
    }),
  ),
  name: NonEmpty(200),
  description: z.optional(z.string().check(z.maxLength(5000))),
  /** A grouping the tenant chooses (`SUVs`, `Services`...): reports sell by category. */
  category: z.optional(NonEmpty(100)),
  prices: z.array(Price).check(z.minLength(1), z.maxLength(20)),
  taxRateBps: TaxRateBps,
  leadTimeDays: Days,
  minOrderQuantity: Quantity,
  active: z.boolean(),
  /** Whether orders reserve and deduct stock (false for services). */
  trackStock: z.boolean(),
  /** The supplier purchase orders go to when stock runs low. */
  supplierId: z.optional(Id),
  optionGroups: z.array(OptionGroup).check(z.maxLength(30)),
  rules: z.array(ConfigurationRule).check(z.maxLength(200)),
};

export const Product = named(
  'Product',
  z.object({
    id: Id,
    ...productFields,
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'Something the tenant sells, possibly configurable with option groups and rules.',
);
export type Product = z.infer<typeof Product>;

export const ProductCreate = named(
  'ProductCreate',
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
);
export type ProductCreate = z.infer<typeof ProductCreate>;

export const ProductUpdate = named(
  'ProductUpdate',
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
  }),
);
export type ProductUpdate = z.infer<typeof ProductUpdate>;

/** The chosen choice per option group, e.g. `{ "paint": "red", "interior": "leather" }`. */
export const Selection = named(
  'Selection',
  z.record(z.string().check(z.maxLength(50)), z.string().check(z.maxLength(50))),
);
export type Selection = z.infer<typeof Selection>;

export const ConfigureRequest = named(
  'ConfigureRequest',
  z.object({
    selection: z._default(Selection, {}),
    /** The price list's currency, or the tenant's, when absent. */
    currency: z.optional(Currency),
    priceListId: z.optional(Id),
  }),
);
export type ConfigureRequest = z.infer<typeof ConfigureRequest>;

export const ChosenOption = named(
  'ChosenOption',
  z.object({
    group: z.string(),
    groupName: z.string(),
    choice: z.string(),
    choiceName: z.string(),
    priceDelta: z.int(),
    extraLeadTimeDays: z.int(),
  }),
);

export const Configuration = named(
  'Configuration',
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
  'A valid selection of options, with its price and lead time.',
);
export type Configuration = z.infer<typeof Configuration>;

export const PriceList = named(
  'PriceList',
  z.object({
    id: Id,
    name: z.string(),
    currency: z.string(),
    description: z.optional(z.string()),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'Prices for a kind of customer (retail, partner...), in one currency.',
);
export type PriceList = z.infer<typeof PriceList>;

export const PriceListCreate = named(
  'PriceListCreate',
  z.object({
    name: NonEmpty(100),
    currency: Currency,
    description: z.optional(z.string().check(z.maxLength(1000))),
  }),
);
export type PriceListCreate = z.infer<typeof PriceListCreate>;

export const PriceListUpdate = named(
  'PriceListUpdate',
  z.object({
    name: z.optional(NonEmpty(100)),
    description: z.optional(z.nullable(z.string().check(z.maxLength(1000)))),
  }),
);
export type PriceListUpdate = z.infer<typeof PriceListUpdate>;

export const PriceListEntry = named(
  'PriceListEntry',
  z.object({ priceListId: Id, productId: Id, unitAmount: MinorUnits, updatedAt: IsoDateTime }),
);
export type PriceListEntry = z.infer<typeof PriceListEntry>;

export const PriceListEntryInput = named('PriceListEntryInput', z.object({ unitAmount: MinorUnits }));

// ---------------------------------------------------------------------------------------------
// Suppliers, stock, purchase orders

export const Supplier = named(
  'Supplier',
  z.object({
    id: Id,
    name: z.string(),
    email: z.string(),
    contactName: z.optional(z.string()),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.int(),
  }),
  'A partner the tenant buys from; purchase orders are emailed to it.',
);
export type Supplier = z.infer<typeof Supplier>;

export const SupplierCreate = named(
  'SupplierCreate',
  z.object({ name: NonEmpty(200), email: Email, contactName: z.optional(NonEmpty(200)) }),
);
export type SupplierCreate = z.infer<typeof SupplierCreate>;

export const SupplierUpdate = named(
  'SupplierUpdate',
  z.object({
    name: z.optional(NonEmpty(200)),
    email: z.optional(Email),
    contactName: z.optional(z.nullable(NonEmpty(200))),
  }),
);
export type SupplierUpdate = z.infer<typeof SupplierUpdate>;

export const Stock = named(
  'Stock',
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
  "A product's stock: what is on hand, reserved, available and on order.",
);
export type Stock = z.infer<typeof Stock>;

export const StockSettings = named(
  'StockSettings',
  z.object({
    /** A purchase order is drafted when available + on order falls below this. 0 disables reordering. */
    reorderPoint: z.optional(z.int().check(z.minimum(0), z.maximum(10_000_000))),
    /** How much a drafted purchase order asks for (at least enough to reach the reorder point). */
    reorderQuantity: z.optional(z.int().check(z.minimum(0), z.maximum(10_000_000))),
  }),
);
export type StockSettings = z.infer<typeof StockSettings>;

export const StockAdjustment = named(
  'StockAdjustment',
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
);
export type StockAdjustment = z.infer<typeof StockAdjustment>;

export const PURCHASE_ORDER_STATUSES = ['draft', 'sent', 'received', 'cancelled'] as const;
export const PurchaseOrderStatus = named('PurchaseOrderStatus', z.enum(PURCHASE_ORDER_STATUSES));
export type PurchaseOrderStatus = z.infer<typeof PurchaseOrderStatus>;

const MailRecord = z.object({
  status: z.enum(['sent', 'suppressed']),
  to: z.string(),
  at: IsoDateTime,
  messageId: z.optional(z.string()),
  reason: z.optional(z.string()),
});

export const PurchaseOrder = named(
  'PurchaseOrder',
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
  'Goods ordered from a supplier.',
);
export type PurchaseOrder = z.infer<typeof PurchaseOrder>;

export const PurchaseOrderCreate = named(
  'PurchaseOrderCreate',
  z.object({
    supplierId: Id,
    lines: z.array(z.object({ productId: Id, quantity: Quantity })).check(z.minLength(1), z.maxLength(40)),
    note: z.optional(z.string().check(z.maxLength(2000))),
  }),
);
export type PurchaseOrderCreate = z.infer<typeof PurchaseOrderCreate>;

// ---------------------------------------------------------------------------------------------
// Quotes and orders

const LineInput = z.object({
  productId: Id,
  quantity: Quantity,
  /** For configurable products: the chosen choice per option group. */
  selection: z.optional(Selection),
});
export type LineInput = z.infer<typeof LineInput>;

export const LineConfiguration = named(
  'LineConfiguration',
  z.object({ selection: Selection, summary: z.string() }),
);

/** A priced line of a quote or an order; amounts in the document's currency. */
export const SalesLine = named(
  'SalesLine',
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
);
export type SalesLine = z.infer<typeof SalesLine>;

export const QUOTE_STATUSES = ['requested', 'draft', 'sent', 'accepted', 'rejected', 'expired'] as const;
export const QuoteStatus = named('QuoteStatus', z.enum(QUOTE_STATUSES));
export type QuoteStatus = z.infer<typeof QuoteStatus>;

export const Quote = named(
  'Quote',
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
  'An offer to a contact: from a request for quotation to accepted, rejected or expired.',
);
export type Quote = z.infer<typeof Quote>;

export const QuoteCreate = named(
  'QuoteCreate',
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
);
export type QuoteCreate = z.infer<typeof QuoteCreate>;

export const QuoteUpdate = named(
  'QuoteUpdate',
  z.object({
    lines: z.optional(z.array(LineInput).check(z.maxLength(40))),
    priceListId: z.optional(z.nullable(Id)),
    validUntil: z.optional(IsoDate),
    ownerId: z.optional(Id),
    dealId: z.optional(z.nullable(Id)),
    notes: z.optional(z.nullable(Note)),
  }),
);
export type QuoteUpdate = z.infer<typeof QuoteUpdate>;

export const QuoteRejection = named(
  'QuoteRejection',
  z.object({ reason: z.optional(z.string().check(z.maxLength(500))) }),
);

export const ORDER_STATUSES = ['placed', 'fulfilled', 'returned', 'cancelled'] as const;
export const OrderStatus = named('OrderStatus', z.enum(ORDER_STATUSES));
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderLine = named(
  'OrderLine',
  z.extend(SalesLine, {
    /** Units returned so far. */
    returnedQuantity: z.int(),
    /** Units ordered beyond available stock (only when the tenant allows back-orders). */
    backorderedQuantity: z.int(),
  }),
);
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderReturn = named(
  'OrderReturn',
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
);
export type OrderReturn = z.infer<typeof OrderReturn>;

export const Order = named(
  'Order',
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
  'What a contact bought: reserves stock when placed, deducts it when fulfilled.',
);
export type Order = z.infer<typeof Order>;

export const OrderCreate = named(
  'OrderCreate',
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
);
export type OrderCreate = z.infer<typeof OrderCreate>;

export const ReturnCreate = named(
  'ReturnCreate',
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
);
export type ReturnCreate = z.infer<typeof ReturnCreate>;

// ---------------------------------------------------------------------------------------------
// Purchase history

export const PurchasedProduct = named(
  'PurchasedProduct',
  z.object({
    productId: Id,
    sku: z.optional(z.string()),
    name: z.optional(z.string()),
    firstBoughtAt: IsoDateTime,
    lastBoughtAt: IsoDateTime,
    quantity: z.int(),
  }),
);
export type PurchasedProduct = z.infer<typeof PurchasedProduct>;

export const ContactPurchases = named(
  'ContactPurchases',
  z.object({
    contactId: Id,
    lastPurchaseAt: z.optional(IsoDateTime),
    lastPurchaseDate: z.optional(IsoDate),
    orderCount: z.int(),
    items: z.array(PurchasedProduct),
    nextCursor: z.optional(z.string()),
  }),
  "A contact's products bought, from their orders.",
);

export const LeadConversionResult = named(
  'LeadConversionResult',
  z.object({
    lead: Lead,
    contactId: Id,
    companyId: z.optional(Id),
    deal: Deal,
    /** Whether conversion created the contact and the company, or found them by email and domain. */
    createdContact: z.boolean(),
    createdCompany: z.boolean(),
  }),
);
export type LeadConversionResult = z.infer<typeof LeadConversionResult>;
