import * as z from 'zod/mini';
import {
  AgingReport,
  BillingProfile,
  BillingProfileUpdate,
  DunningPolicy,
  DunningPolicyInput,
  Invoice,
  InvoiceCreate,
  InvoiceFromOrder,
  InvoiceListQuery,
  InvoiceTimelineEntry,
  InvoiceUpdate,
  Payment,
  PaymentCreate,
} from '../../shared/invoicing/schema.ts';
import { adminOnly, financeTeam, type Role } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, IsoDate, named, PageQuery, page } from '../../shared/platform/schema.ts';
import { defineModule } from './types.ts';

const fn = 'invoicing-api';
const tags = ['Invoicing'];
const ById = lazy(() => z.object({ id: Id }));

/** Who sees invoices: everyone but marketing, which has no business with a customer's debts. */
const invoiceReaders: readonly Role[] = ['admin', 'sales', 'finance', 'support', 'readonly'];
/** Sales prepares drafts; issuing, payments and write-offs are finance's (and admins'). */
const draftWriters: readonly Role[] = ['admin', 'sales', 'finance'];
const financeViewers: readonly Role[] = [...adminOnly, 'finance', 'readonly'];

const PaymentResult = named(
  'PaymentResult',
  lazy(() => z.object({ payment: Payment, invoice: Invoice })),
  'The payment recorded, and the invoice as it is after it.',
);

export const invoicingRoutes = {
  createInvoice: route({
    operationId: 'createInvoice',
    method: 'POST',
    path: '/v1/invoices',
    references: { contactId: 'contact', companyId: 'company', 'lines.*.productId': 'product' },
    function: fn,
    access: draftWriters,
    summary: 'Create a draft invoice',
    description:
      'Totals are computed per line in minor units (tax rounded half up). The due date is given, or computed from `paymentTermsDays` (30 by default) when the invoice is issued.',
    tags,
    body: InvoiceCreate,
    response: { status: 201, schema: Invoice },
    versioned: true,
    errors: ['unprocessable'],
  }),
  invoiceOrder: route({
    operationId: 'invoiceOrder',
    method: 'POST',
    path: '/v1/orders/{id}/invoice',
    location: '/v1/invoices/{id}',
    function: fn,
    access: financeTeam,
    summary: 'Invoice an order',
    description:
      'Makes a draft invoice from the order: its customer, company, currency and lines at the order’s prices (units returned without a replacement are left out). With `issue: true` the invoice is issued at once. ' +
      'An order has one invoice: invoicing it again answers 409 naming the invoice (`invoiceId`), unless that invoice was voided. A cancelled order answers 409.',
    tags,
    params: ById,
    body: InvoiceFromOrder,
    response: { status: 201, schema: Invoice },
    versioned: true,
    errors: ['conflict', 'unprocessable'],
  }),
  listInvoices: route({
    operationId: 'listInvoices',
    method: 'GET',
    path: '/v1/invoices',
    expand: {
      contact: { field: 'contactId', kind: 'contact' },
      company: { field: 'companyId', kind: 'company' },
    },
    function: fn,
    access: invoiceReaders,
    summary: 'List invoices by due date, oldest first',
    description:
      'Filters: `status`, `contactId`, a due date range (`dueFrom`, `dueTo`, inclusive), or an exact `number`.',
    tags,
    query: InvoiceListQuery,
    response: { status: 200, schema: page('InvoicePage', Invoice) },
  }),
  invoiceAging: route({
    operationId: 'getInvoiceAging',
    method: 'GET',
    path: '/v1/invoices/aging',
    function: fn,
    access: financeViewers,
    summary: 'Read the receivables aging report',
    description:
      'Amounts due on open and partially paid invoices by days past due (current, 1–30, 31–60, 61–90, over 90), per currency, as of `asOf` (today in the tenant time zone by default).',
    tags,
    query: lazy(() => z.object({ asOf: z.optional(IsoDate) })),
    response: { status: 200, schema: AgingReport },
  }),
  getInvoice: route({
    operationId: 'getInvoice',
    method: 'GET',
    path: '/v1/invoices/{id}',
    expand: {
      contact: { field: 'contactId', kind: 'contact' },
      company: { field: 'companyId', kind: 'company' },
    },
    function: fn,
    access: invoiceReaders,
    summary: 'Read an invoice',
    tags,
    params: ById,
    response: { status: 200, schema: Invoice },
    versioned: true,
  }),
  updateInvoice: route({
    operationId: 'updateInvoice',
    method: 'PATCH',
    path: '/v1/invoices/{id}',
    resource: 'invoice',
    references: { contactId: 'contact', companyId: 'company', 'lines.*.productId': 'product' },
    function: fn,
    access: draftWriters,
    summary: 'Change a draft, or pause dunning for an invoice',
    description:
      'A draft changes freely. An issued invoice only accepts `dunningPaused` (e.g. `{ "reason": "disputed" }`, or `null` to resume).',
    tags,
    params: ById,
    body: InvoiceUpdate,
    response: { status: 200, schema: Invoice },
    versioned: true,
    errors: ['conflict', 'precondition_failed'],
  }),
  issueInvoice: route({
    operationId: 'issueInvoice',
    method: 'POST',
    path: '/v1/invoices/{id}/issue',
    function: fn,
    access: financeTeam,
    summary: 'Issue a draft invoice',
    description:
      'Gives the invoice the next number of its year (`2026-0042`: gapless per tenant and year) and makes it owed. A draft without an issue date is dated today.',
    tags,
    params: ById,
    response: { status: 200, schema: Invoice },
    versioned: true,
    errors: ['conflict', 'precondition_failed'],
  }),
  voidInvoice: route({
    operationId: 'voidInvoice',
    method: 'POST',
    path: '/v1/invoices/{id}/void',
    function: fn,
    access: financeTeam,
    summary: 'Void an invoice',
    description:
      'A draft, or an open invoice on which nothing was paid. The invoice and its number stay; its collections task is cancelled.',
    tags,
    params: ById,
    response: { status: 200, schema: Invoice },
    versioned: true,
    errors: ['conflict', 'precondition_failed'],
  }),
  markUncollectible: route({
    operationId: 'markInvoiceUncollectible',
    method: 'POST',
    path: '/v1/invoices/{id}/mark-uncollectible',
    function: fn,
    access: financeTeam,
    summary: 'Write an invoice off as uncollectible',
    description:
      'Dunning stops and the collections task is cancelled; a payment arriving later still settles it.',
    tags,
    params: ById,
    response: { status: 200, schema: Invoice },
    versioned: true,
    errors: ['conflict'],
  }),
  recordPayment: route({
    operationId: 'recordPayment',
    method: 'POST',
    path: '/v1/invoices/{id}/payments',
    location: '/v1/invoices/{id}/payments',
    function: fn,
    access: financeTeam,
    summary: 'Record a payment against an invoice',
    description:
      'The payment and the invoice’s new status commit together. A payment larger than the amount due is refused (400): overpayments are not recorded. ' +
      'A second payment with the same `reference` on the same invoice is the same payment (answered 200 with the first); an `Idempotency-Key` makes any retry safe. ' +
      'Paying in full closes the collections task, with the payment date as its closing date.',
    tags,
    params: ById,
    body: PaymentCreate,
    response: { status: 201, schema: PaymentResult },
    errors: ['conflict', 'unprocessable'],
  }),
  listPayments: route({
    operationId: 'listPayments',
    method: 'GET',
    path: '/v1/invoices/{id}/payments',
    function: fn,
    access: invoiceReaders,
    summary: 'List the payments of an invoice',
    tags,
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('PaymentPage', Payment) },
  }),
  invoiceTimeline: route({
    operationId: 'getInvoiceTimeline',
    method: 'GET',
    path: '/v1/invoices/{id}/timeline',
    function: fn,
    access: invoiceReaders,
    summary: 'Read what happened to an invoice, newest first',
    description: 'Issue, payments, overdue, and every dunning email sent (or not) with its outcome.',
    tags,
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('InvoiceTimelinePage', InvoiceTimelineEntry) },
  }),
  printInvoice: route({
    operationId: 'printInvoice',
    method: 'GET',
    path: '/v1/invoices/{id}/print',
    function: fn,
    access: invoiceReaders,
    summary: 'Get the printable invoice',
    tags,
    params: ById,
    response: {
      status: 200,
      contentType: 'text/html',
      description: 'The invoice as a self-contained HTML page (no script).',
    },
  }),
  getDunningPolicy: route({
    operationId: 'getDunningPolicy',
    method: 'GET',
    path: '/v1/dunning-policy',
    function: fn,
    access: invoiceReaders,
    summary: 'Read the dunning policy',
    description: 'The default policy (version 0) until the tenant saves one.',
    tags,
    response: { status: 200, schema: DunningPolicy },
    versioned: true,
  }),
  saveDunningPolicy: route({
    operationId: 'saveDunningPolicy',
    method: 'PUT',
    path: '/v1/dunning-policy',
    function: fn,
    access: financeTeam,
    summary: 'Replace the dunning policy',
    description:
      'Levels ordered by `offsetDays`, with unique ids; every merge field in the templates must be one of those listed in docs/invoicing.md (an unknown one is a 400).',
    tags,
    body: DunningPolicyInput,
    response: { status: 200, schema: DunningPolicy },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  getBillingProfile: route({
    operationId: 'getBillingProfile',
    method: 'GET',
    path: '/v1/contacts/{id}/billing',
    function: fn,
    access: invoiceReaders,
    summary: "Read a customer's billing profile",
    tags,
    params: ById,
    response: { status: 200, schema: BillingProfile },
    versioned: true,
  }),
  updateBillingProfile: route({
    operationId: 'updateBillingProfile',
    method: 'PUT',
    path: '/v1/contacts/{id}/billing',
    function: fn,
    access: draftWriters,
    summary: 'Pause or resume dunning for a customer',
    description:
      'For key accounts: no reminder goes to the customer while paused; collections tasks still open.',
    tags,
    params: ById,
    body: BillingProfileUpdate,
    response: { status: 200, schema: BillingProfile },
    versioned: true,
    errors: ['precondition_failed'],
  }),
};

export const invoicing = /* @__PURE__ */ defineModule({
  name: 'invoicing',
  tags: {
    Invoicing: 'Invoices, payments, the receivables aging report, and dunning of overdue invoices.',
  },
  functions: [
    {
      name: 'invoicing-api',
      entry: 'functions/http/invoicing.ts',
      description: 'Invoices, payments, aging and the dunning policy over HTTP.',
      permissions: ['table:tenant'],
    },
    {
      name: 'dunning-sweep',
      entry: 'functions/jobs/dunning-sweep.ts',
      description: "A tenant's daily dunning sweep: overdue detection, reminders, collections tasks.",
      permissions: ['table:write', 'mail:send'],
      timeoutSeconds: 300,
    },
    {
      name: 'invoice-collections',
      entry: 'functions/events/invoice-collections.ts',
      description:
        'Closes the collections task of an invoice paid in full (cancels it when voided or written off).',
      permissions: ['table:write'],
    },
    {
      name: 'invoicing-contacts',
      entry: 'functions/events/invoicing-contacts.ts',
      description:
        "Moves a merged contact's invoices and billing profile; anonymizes an erased contact's invoices.",
      permissions: ['table:write'],
      timeoutSeconds: 300,
    },
  ],
  routes: invoicingRoutes,
  rules: [
    {
      name: 'invoice-settled',
      description: 'A paid, voided or written-off invoice settles its collections task.',
      bus: 'domain',
      pattern: {
        source: ['funnel.invoicing'],
        'detail-type': ['InvoicePaid', 'InvoiceVoided', 'InvoiceMarkedUncollectible'],
      },
      target: 'invoice-collections',
    },
    {
      name: 'invoicing-contacts',
      description: 'Contacts were merged, or one was erased: move or anonymize their invoices.',
      bus: 'domain',
      pattern: { source: ['funnel.contacts'], 'detail-type': ['ContactsMerged', 'ContactErased'] },
      target: 'invoicing-contacts',
    },
  ],
  schedules: [
    {
      name: 'dunning-sweep',
      description:
        "Daily at the tenant's job hour, in its time zone: overdue invoices, reminders, collections tasks.",
      target: 'dunning-sweep',
      kind: 'per-tenant',
      expression: 'cron(0 {dailyJobHour} * * ? *)',
    },
  ],
});
