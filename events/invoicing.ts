import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/** Amounts are minor units of `currency`; dates without time are the tenant's local dates. */
export const InvoiceIssued = defineEvent(
  'invoicing',
  'InvoiceIssued',
  'A draft invoice was issued: it has its number and is now owed.',
  lazy(() =>
    z.object({
      invoiceId: z.string(),
      number: z.string(),
      contactId: z.string(),
      companyId: z.optional(z.string()),
      currency: z.string(),
      total: z.int(),
      issueDate: z.string(),
      dueDate: z.string(),
    }),
  ),
  { columns: { total: 'amount' }, enrich: ['customer', 'invoice-lines'] },
);

export const InvoiceOverdue = defineEvent(
  'invoicing',
  'InvoiceOverdue',
  'The dunning sweep found an invoice unpaid after its due date (once per invoice).',
  lazy(() =>
    z.object({
      invoiceId: z.string(),
      number: z.string(),
      contactId: z.string(),
      currency: z.string(),
      amountDue: z.int(),
      dueDate: z.string(),
      daysOverdue: z.int(),
    }),
  ),
  { columns: { daysOverdue: 'days' }, enrich: ['customer'] },
);

export const DunningNoticeSent = defineEvent(
  'invoicing',
  'DunningNoticeSent',
  'A dunning email of one level went out, to the customer or to finance (each at most once).',
  lazy(() =>
    z.object({
      invoiceId: z.string(),
      number: z.string(),
      contactId: z.string(),
      levelId: z.string(),
      offsetDays: z.int(),
      recipient: z.enum(['customer', 'finance']),
      to: z.string(),
      messageId: z.string(),
      daysOverdue: z.int(),
    }),
  ),
  { columns: { levelId: 'level', recipient: 'channel', daysOverdue: 'days' }, enrich: ['customer'] },
);

export const PaymentRecorded = defineEvent(
  'invoicing',
  'PaymentRecorded',
  'A payment was recorded against an invoice.',
  lazy(() =>
    z.object({
      invoiceId: z.string(),
      paymentId: z.string(),
      contactId: z.string(),
      amount: z.int(),
      currency: z.string(),
      paidAt: z.string(),
      method: z.string(),
      amountDue: z.int(),
      status: z.string(),
    }),
  ),
  { columns: { method: 'channel' }, occurredAt: 'paidAt', enrich: ['customer'] },
);

export const InvoicePaid = defineEvent(
  'invoicing',
  'InvoicePaid',
  'An invoice was paid in full; `paidAt` is when the settling payment arrived.',
  lazy(() =>
    z.object({
      invoiceId: z.string(),
      number: z.string(),
      contactId: z.string(),
      currency: z.string(),
      total: z.int(),
      paidAt: z.string(),
      collectionsTaskId: z.optional(z.string()),
    }),
  ),
  { columns: { total: 'amount' }, occurredAt: 'paidAt', enrich: ['customer', 'invoice-lines'] },
);

export const InvoiceVoided = defineEvent(
  'invoicing',
  'InvoiceVoided',
  'An invoice was voided: it is kept, with its number, but nothing is owed.',
  lazy(() =>
    z.object({
      invoiceId: z.string(),
      number: z.optional(z.string()),
      contactId: z.string(),
      voidedAt: z.string(),
      collectionsTaskId: z.optional(z.string()),
    }),
  ),
  { occurredAt: 'voidedAt', enrich: ['customer'] },
);

export const InvoiceMarkedUncollectible = defineEvent(
  'invoicing',
  'InvoiceMarkedUncollectible',
  'An invoice was written off as uncollectible: dunning stops; a later payment still settles it.',
  lazy(() =>
    z.object({
      invoiceId: z.string(),
      number: z.string(),
      contactId: z.string(),
      currency: z.string(),
      amountDue: z.int(),
      markedAt: z.string(),
      collectionsTaskId: z.optional(z.string()),
    }),
  ),
  { occurredAt: 'markedAt', enrich: ['customer'] },
);
