import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import {
  Currency,
  Id,
  IsoDate,
  IsoDateTime,
  Limit,
  MinorUnits,
  NonEmpty,
  named,
} from '../platform/schema.ts';

/**
 * Invoices, payments, the dunning policy and the per-customer billing profile. Amounts are integer
 * minor units of the invoice's currency; tax rates are basis points (2000 = 20 %); date-only values
 * are `YYYY-MM-DD` in the tenant's time zone. See docs/invoicing.md for the rules.
 */

/** Any single amount stays below 10^15 minor units: exact in a double, sortable in a key. */
export const MAX_AMOUNT = 999_999_999_999_999;

export const INVOICE_STATUSES = ['draft', 'open', 'partially_paid', 'paid', 'void', 'uncollectible'] as const;
export const InvoiceStatus = named(
  'InvoiceStatus',
  lazy(() => z.enum(INVOICE_STATUSES)),
);
export type InvoiceStatus = z.infer<typeof InvoiceStatus>;

/** Statuses in which money is still owed and dunning runs. */
export const UNPAID_STATUSES: readonly InvoiceStatus[] = ['open', 'partially_paid'];

const Quantity = lazy(() =>
  z
    .int()
    .check(
      z.minimum(1, { message: 'Must be a whole number of at least 1.' }),
      z.maximum(1_000_000, { message: 'Must be at most 1,000,000.' }),
    ),
);
const UnitAmount = MinorUnits.check(lazy(() => z.maximum(MAX_AMOUNT, { message: 'Too large an amount.' })));
export const TaxRateBps = lazy(() =>
  z
    .int()
    .check(
      z.minimum(0, { message: 'Must be zero or more basis points.' }),
      z.maximum(10_000, { message: 'Must be at most 10000 basis points (100 %).' }),
    ),
);

export const InvoiceLineInput = named(
  'InvoiceLineInput',
  lazy(() =>
    z.object({
      description: NonEmpty(500),
      quantity: Quantity,
      /** Price of one unit before tax, in minor units. */
      unitAmount: UnitAmount,
      taxRateBps: z._default(TaxRateBps, 0),
      /** The product sold, when the line comes from the catalog or an order. */
      productId: z.optional(Id),
    }),
  ),
  'A line as given: amounts in minor units, tax rate in basis points (2000 = 20 %).',
);
export type InvoiceLineInput = z.infer<typeof InvoiceLineInput>;

export const InvoiceLine = named(
  'InvoiceLine',
  lazy(() =>
    z.object({
      description: z.string(),
      quantity: z.int(),
      unitAmount: z.int(),
      taxRateBps: z.int(),
      productId: z.optional(z.string()),
      /** quantity × unitAmount. */
      subtotal: z.int(),
      /** subtotal × taxRateBps / 10000, rounded half up. */
      tax: z.int(),
      total: z.int(),
    }),
  ),
);
export type InvoiceLine = z.infer<typeof InvoiceLine>;

const Lines = lazy(() =>
  z
    .array(InvoiceLineInput)
    .check(z.minLength(1, { message: 'An invoice needs at least one line.' }), z.maxLength(100)),
);
const TermsDays = lazy(() =>
  z.int().check(z.minimum(0), z.maximum(365, { message: 'Must be at most 365 days.' })),
);
const LongText = (max: number) => z.string().check(z.trim(), z.maxLength(max));

export const DUNNING_NOTICE_STATUSES = [
  'sending',
  'sent',
  'suppressed',
  /** The tenant may not send yet (unverified admin or sender): see docs/security.md. */
  'blocked',
  'undeliverable',
  'failed',
  'uncertain',
  'skipped',
] as const;
export const DunningNoticeStatus = named(
  'DunningNoticeStatus',
  lazy(() => z.enum(DUNNING_NOTICE_STATUSES)),
  '`sending`: claimed, not yet recorded. `uncertain`: a send was interrupted and may or may not have gone out ' +
    '(finance was told; it is never re-sent). `skipped`: a later level was already due when the sweep reached it.',
);
export type DunningNoticeStatus = z.infer<typeof DunningNoticeStatus>;

export const DunningPause = named(
  'DunningPause',
  lazy(() => z.object({ reason: z.optional(z.string()), pausedAt: IsoDateTime, pausedBy: z.string() })),
);

export const Invoice = named(
  'Invoice',
  lazy(() =>
    z.object({
      id: Id,
      /** Given when the invoice is issued: `<year>-<sequence>`, gapless per tenant and year. */
      number: z.optional(z.string()),
      status: InvoiceStatus,
      /** The customer: after a merge, the contact that was kept; after an erasure, the erased contact's id. */
      contactId: Id,
      companyId: z.optional(Id),
      /** The order the invoice was made from (`POST /v1/orders/{id}/invoice`). */
      orderId: z.optional(Id),
      /**
       * The customer was erased (right to erasure): the invoice keeps its number, lines, amounts,
       * taxes and payments, but no personal data; documents name the customer "Erased contact".
       */
      contactErasedAt: z.optional(IsoDateTime),
      currency: z.string(),
      lines: z.array(InvoiceLine),
      subtotal: z.int(),
      taxTotal: z.int(),
      total: z.int(),
      amountPaid: z.int(),
      amountDue: z.int(),
      /** A draft without one is dated on the day it is issued. */
      issueDate: z.optional(IsoDate),
      /** A draft without one is due `paymentTermsDays` after its issue date. */
      dueDate: z.optional(IsoDate),
      paymentTermsDays: z.int(),
      notes: z.optional(z.string()),
      /** How to pay, shown on the invoice and in reminders; the policy's instructions otherwise. */
      paymentInstructions: z.optional(z.string()),
      /** Dunning stopped for this invoice (e.g. disputed). */
      dunningPaused: z.optional(DunningPause),
      dunning: z.object({
        /** The last level whose notice was handled. */
        level: z.optional(z.string()),
        lastNoticeAt: z.optional(IsoDateTime),
        /** The customer notice of each level handled so far. */
        notices: z.record(z.string(), DunningNoticeStatus),
      }),
      /** The first day the invoice was overdue, once the sweep noticed. */
      overdueSince: z.optional(IsoDate),
      collectionsTaskId: z.optional(Id),
      issuedAt: z.optional(IsoDateTime),
      paidAt: z.optional(IsoDateTime),
      voidedAt: z.optional(IsoDateTime),
      uncollectibleAt: z.optional(IsoDateTime),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A bill to a customer, from draft to paid (or void, or uncollectible).',
);
export type Invoice = z.infer<typeof Invoice>;

export const InvoiceCreate = named(
  'InvoiceCreate',
  lazy(() =>
    z.object({
      contactId: Id,
      /** The contact's company by default. */
      companyId: z.optional(Id),
      /** The tenant's currency by default. */
      currency: z.optional(Currency),
      lines: Lines,
      issueDate: z.optional(IsoDate),
      /** Give a due date or payment terms (30 days by default), not both. */
      dueDate: z.optional(IsoDate),
      paymentTermsDays: z.optional(TermsDays),
      notes: z.optional(LongText(2000)),
      paymentInstructions: z.optional(LongText(2000)),
    }),
  ),
);
export type InvoiceCreate = z.infer<typeof InvoiceCreate>;

export const InvoiceFromOrder = named(
  'InvoiceFromOrder',
  lazy(() =>
    z.object({
      /** Issue the invoice at once (it gets its number); a draft otherwise. */
      issue: z._default(z.boolean(), false),
      issueDate: z.optional(IsoDate),
      /** Give a due date or payment terms (30 by default), not both. */
      dueDate: z.optional(IsoDate),
      paymentTermsDays: z.optional(TermsDays),
      notes: z.optional(LongText(2000)),
      paymentInstructions: z.optional(LongText(2000)),
    }),
  ),
  "The invoice's customer, company, currency and lines come from the order; these are the invoice's own terms.",
);
export type InvoiceFromOrder = z.infer<typeof InvoiceFromOrder>;

export const InvoiceUpdate = named(
  'InvoiceUpdate',
  lazy(() =>
    z.object({
      contactId: z.optional(Id),
      companyId: z.optional(z.nullable(Id)),
      currency: z.optional(Currency),
      lines: z.optional(Lines),
      issueDate: z.optional(z.nullable(IsoDate)),
      dueDate: z.optional(z.nullable(IsoDate)),
      paymentTermsDays: z.optional(TermsDays),
      notes: z.optional(z.nullable(LongText(2000))),
      paymentInstructions: z.optional(z.nullable(LongText(2000))),
      /** Pause dunning for this invoice (`{ "reason": "disputed" }`) or resume it (`null`). */
      dunningPaused: z.optional(z.nullable(z.object({ reason: z.optional(NonEmpty(500)) }))),
    }),
  ),
  'Every field but `dunningPaused` can change only while the invoice is a draft.',
);
export type InvoiceUpdate = z.infer<typeof InvoiceUpdate>;

export const InvoiceListQuery = lazy(() =>
  z.object({
    status: z.optional(InvoiceStatus),
    contactId: z.optional(Id),
    /** Due on or after this date. */
    dueFrom: z.optional(IsoDate),
    /** Due on or before this date. */
    dueTo: z.optional(IsoDate),
    /** The invoice with this number (e.g. from a bank transfer's reference). */
    number: z.optional(z.string().check(z.trim(), z.maxLength(40))),
    limit: Limit,
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  }),
);
export type InvoiceListQuery = z.infer<typeof InvoiceListQuery>;

export const PAYMENT_METHODS = ['bank_transfer', 'card', 'direct_debit', 'cash', 'check', 'other'] as const;

export const Payment = named(
  'Payment',
  lazy(() =>
    z.object({
      id: Id,
      invoiceId: Id,
      amount: z.int(),
      currency: z.string(),
      paidAt: IsoDateTime,
      /** `paidAt` as a date in the tenant's time zone. */
      paidOn: IsoDate,
      method: z.enum(PAYMENT_METHODS),
      reference: z.optional(z.string()),
      recordedAt: IsoDateTime,
      recordedBy: z.string(),
    }),
  ),
);
export type Payment = z.infer<typeof Payment>;

export const PaymentCreate = named(
  'PaymentCreate',
  lazy(() =>
    z.object({
      amount: MinorUnits.check(
        z.minimum(1, { message: 'Must be at least 1 minor unit.' }),
        z.maximum(MAX_AMOUNT, { message: 'Too large an amount.' }),
      ),
      /** When the money arrived: a date-time, or a date (the start of that day in the tenant's time zone). Now by default. */
      paidAt: z.optional(z.union([IsoDateTime, IsoDate])),
      method: z._default(z.enum(PAYMENT_METHODS), 'bank_transfer'),
      /** The bank's or processor's reference; a second payment with the same reference is the same payment. */
      reference: z.optional(NonEmpty(200)),
    }),
  ),
);
export type PaymentCreate = z.infer<typeof PaymentCreate>;

export const InvoiceTimelineEntry = named(
  'InvoiceTimelineEntry',
  lazy(() =>
    z.object({
      id: Id,
      invoiceId: Id,
      at: IsoDateTime,
      kind: z.enum([
        'created',
        'issued',
        'payment',
        'overdue',
        'dunning',
        'collections',
        'voided',
        'uncollectible',
        'dunning_paused',
        'dunning_resumed',
        'customer_merged',
        'customer_erased',
      ]),
      title: z.string(),
      summary: z.optional(z.string()),
      actor: z.string(),
    }),
  ),
  'Something that happened to an invoice, including every email sent about it.',
);
export type InvoiceTimelineEntry = z.infer<typeof InvoiceTimelineEntry>;

export const DUNNING_ACTIONS = ['none', 'raise_priority', 'escalate'] as const;

const LevelId = lazy(() =>
  z
    .string()
    .check(
      z.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'Must be lower-case words joined by hyphens.' }),
      z.maxLength(40),
    ),
);

export const DunningLevel = named(
  'DunningLevel',
  lazy(() =>
    z.object({
      /** Stable name of the level: each invoice gets each level's notice at most once. */
      id: LevelId,
      name: NonEmpty(100),
      /** Days from the due date: negative for a courtesy reminder before it. */
      offsetDays: z.int().check(z.minimum(-60), z.maximum(365)),
      /** Templates with merge fields such as `{{invoice.number}}` (see docs/invoicing.md). */
      email: z.object({
        subject: NonEmpty(300),
        text: z.string().check(z.trim(), z.minLength(1), z.maxLength(10_000)),
        /** The HTML body; generated from `text` when absent. */
        html: z.optional(z.string().check(z.maxLength(50_000))),
      }),
      /** Finance receives its own copy of the notice. */
      copyFinance: z._default(z.boolean(), false),
      /**
       * What happens to the collections task at this level: `raise_priority` makes it high priority;
       * `escalate` makes it urgent and hands it to a finance member.
       */
      action: z._default(z.enum(DUNNING_ACTIONS), 'none'),
    }),
  ),
);
export type DunningLevel = z.infer<typeof DunningLevel>;

export const DunningPolicyInput = named(
  'DunningPolicyInput',
  lazy(() =>
    z.object({
      /** Ordered by `offsetDays`; an empty list turns reminders off (overdue invoices still get a task). */
      levels: z.array(DunningLevel).check(z.maxLength(10)),
      /** "How to pay" in reminders (`{{paymentInstructions}}`) unless the invoice has its own. */
      paymentInstructions: LongText(2000),
    }),
  ),
);
export type DunningPolicyInput = z.infer<typeof DunningPolicyInput>;

export const DunningPolicy = named(
  'DunningPolicy',
  lazy(() =>
    z.object({
      levels: z.array(DunningLevel),
      paymentInstructions: z.string(),
      /** True until the tenant saves a policy of its own. */
      isDefault: z.boolean(),
      updatedAt: z.optional(IsoDateTime),
      version: z.int(),
    }),
  ),
);
export type DunningPolicy = z.infer<typeof DunningPolicy>;

export const BillingProfile = named(
  'BillingProfile',
  lazy(() =>
    z.object({
      contactId: Id,
      /** No reminders for this customer's invoices (a key account); collections tasks still open. */
      dunningPaused: z.boolean(),
      pauseReason: z.optional(z.string()),
      pausedAt: z.optional(IsoDateTime),
      pausedBy: z.optional(z.string()),
      updatedAt: z.optional(IsoDateTime),
      version: z.int(),
    }),
  ),
);
export type BillingProfile = z.infer<typeof BillingProfile>;

export const BillingProfileUpdate = named(
  'BillingProfileUpdate',
  lazy(() => z.object({ dunningPaused: z.boolean(), pauseReason: z.optional(z.nullable(NonEmpty(500))) })),
);
export type BillingProfileUpdate = z.infer<typeof BillingProfileUpdate>;

const Bucket = lazy(() => z.int());
export const AgingReport = named(
  'AgingReport',
  lazy(() =>
    z.object({
      asOf: IsoDate,
      currencies: z.array(
        z.object({
          currency: z.string(),
          /** Not yet due. */
          current: Bucket,
          days1To30: Bucket,
          days31To60: Bucket,
          days61To90: Bucket,
          over90Days: Bucket,
          total: Bucket,
          invoiceCount: z.int(),
        }),
      ),
    }),
  ),
  'Amounts still due on open and partially paid invoices, by days past their due date, per currency.',
);
export type AgingReport = z.infer<typeof AgingReport>;
