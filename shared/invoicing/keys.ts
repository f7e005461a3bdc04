import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * One partition per invoice, holding the invoice, its payments, its dunning notices and its
 * timeline. Four index views, all sorted by due date:
 * - GSI1 every invoice of the tenant; GSI2 the invoices in one status; GSI3 one customer's invoices;
 * - GSI4 is sparse: only open and partially paid invoices carry it, so the dunning sweep and the
 *   aging report read what is owed, never the (ever growing) paid history.
 * See docs/data-model.md (Invoicing).
 */
export const NO_DUE_DATE = '9999-12-31';

/** How an erased customer is named on what invoicing keeps (docs/contacts.md, "Privacy"). */
export const ERASED_CONTACT = 'Erased contact';

const dueSort = (dueDate: string | undefined, id: string) => `${dueDate ?? NO_DUE_DATE}#${id}`;

export const invoiceKeys = {
  partition: (t: TenantId, id: string) => tenantKey(t, 'INVOICE', id),
  invoice: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'INVOICE', id), SK: 'INVOICE' }),
  payment: (t: TenantId, invoiceId: string, paymentId: string) => ({
    PK: tenantKey(t, 'INVOICE', invoiceId),
    SK: `PAYMENT#${paymentId}`,
  }),
  /** At most one payment per bank reference and invoice; holds the payment's id. */
  paymentReference: (t: TenantId, invoiceId: string, reference: string) => ({
    PK: tenantKey(t, 'INVOICE', invoiceId),
    SK: `PAYMENT-REF#${reference}`,
  }),
  /** The claim and record of one dunning email: (invoice, level, recipient) is sent at most once. */
  notice: (t: TenantId, invoiceId: string, levelId: string, recipient: NoticeRecipient) => ({
    PK: tenantKey(t, 'INVOICE', invoiceId),
    SK: `NOTICE#${levelId}#${recipient}`,
  }),
  timelineEntry: (t: TenantId, invoiceId: string, at: string, id: string) => ({
    PK: tenantKey(t, 'INVOICE', invoiceId),
    SK: `TL#${at}#${id}`,
  }),
  /** The last number given in a series (a year); moved only by the transaction that issues. */
  counter: (t: TenantId, series: string) => ({ PK: tenantKey(t, 'INVOICE-NUMBERS'), SK: `SERIES#${series}` }),
  /** Unique invoice number; holds the invoice's id (find an invoice by its number). */
  number: (t: TenantId, number: string) => ({ PK: tenantKey(t, 'INVOICE-NUMBER', number), SK: 'GUARD' }),
  policy: (t: TenantId) => ({ PK: tenantKey(t, 'DUNNING-POLICY'), SK: 'POLICY' }),
  /** In the contact's partition, under the `BILLING` sort key reserved for invoicing. */
  billing: (t: TenantId, contactId: string) => ({ PK: tenantKey(t, 'CONTACT', contactId), SK: 'BILLING' }),

  all: (t: TenantId) => tenantKey(t, 'INVOICES'),
  inStatus: (t: TenantId, status: string) => tenantKey(t, 'INVOICES-IN', status),
  ofCustomer: (t: TenantId, contactId: string) => tenantKey(t, 'INVOICES-OF', contactId),
  unpaid: (t: TenantId) => tenantKey(t, 'INVOICES-UNPAID'),
  dueSort,
};

export type NoticeRecipient = 'customer' | 'finance' | 'alert';
