import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContact } from '../../../shared/contacts/service.ts';
import { listTimeline } from '../../../shared/contacts/timeline.ts';
import { agingReport } from '../../../shared/invoicing/aging.ts';
import {
  createInvoice,
  getInvoice,
  issueInvoice,
  listInvoices,
  markUncollectible,
  updateInvoice,
  voidInvoice,
} from '../../../shared/invoicing/invoices.ts';
import { listPayments, recordPayment } from '../../../shared/invoicing/payments.ts';
import { printInvoice } from '../../../shared/invoicing/print.tsx';
import { listInvoiceTimeline } from '../../../shared/invoicing/timeline.ts';
import { ConflictError, ValidationError } from '../../../shared/platform/errors.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { at, billingTenant, issuedInvoice, oneLine } from './helpers.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const MARCH_10 = '2026-03-10T09:00:00Z';
const page = { limit: 100 };

describe('issuing invoices', () => {
  it('numbers them gaplessly per tenant and year, even when issued concurrently', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const drafts = await Promise.all(
      Array.from({ length: 6 }, () => createInvoice(ctx, { contactId: tenant.contact.id, lines: oneLine() })),
    );
    const issued = await Promise.all(drafts.map((d) => issueInvoice(ctx, d.id)));
    expect(issued.map((i) => i.number).sort()).toEqual([
      '2026-0001',
      '2026-0002',
      '2026-0003',
      '2026-0004',
      '2026-0005',
      '2026-0006',
    ]);
    const nextYear = await createInvoice(at(tenant, '2027-01-02T09:00:00Z'), {
      contactId: tenant.contact.id,
      lines: oneLine(),
    });
    expect((await issueInvoice(at(tenant, '2027-01-02T09:00:00Z'), nextYear.id)).number).toBe('2027-0001');
  });

  it('takes no number when the issue fails', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const draft = await createInvoice(ctx, { contactId: tenant.contact.id, lines: oneLine() });
    const results = await Promise.allSettled([issueInvoice(ctx, draft.id), issueInvoice(ctx, draft.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(ConflictError);
    const next = await createInvoice(ctx, { contactId: tenant.contact.id, lines: oneLine() });
    expect((await issueInvoice(ctx, next.id)).number).toBe('2026-0002');
  });

  it('dates an undated draft on the day it is issued and computes its due date from the terms', async () => {
    const tenant = await billingTenant();
    const draft = await createInvoice(at(tenant, MARCH_10), {
      contactId: tenant.contact.id,
      lines: [
        { description: 'Licence', quantity: 3, unitAmount: 10_001, taxRateBps: 2000 },
        { description: 'Support', quantity: 1, unitAmount: 999, taxRateBps: 550 },
      ],
      paymentTermsDays: 14,
    });
    expect(draft).toMatchObject({ status: 'draft', subtotal: 31_002, taxTotal: 6_056, total: 37_058 });
    expect(draft.number).toBeUndefined();
    expect(draft.dueDate).toBeUndefined();
    // 23:30 UTC on the 11th is already the 12th in Paris.
    const issued = await issueInvoice(at(tenant, '2026-03-11T23:30:00Z'), draft.id);
    expect(issued).toMatchObject({
      status: 'open',
      issueDate: '2026-03-12',
      dueDate: '2026-03-26',
      amountDue: 37_058,
    });
    await derived.settle();
    const timeline = await listTimeline(tenant.ctx, tenant.contact.id, page);
    expect(timeline.items.map((e) => e.title)).toContain(
      'Invoice 2026-0001 issued: 370.58 EUR, due 2026-03-26',
    );
  });

  it('refuses a due date before the issue date, unknown customers, and terms given twice', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const attempt = (body: Record<string, unknown>) =>
      createInvoice(ctx, { contactId: tenant.contact.id, lines: oneLine(), ...body } as never).catch(
        (e) => e,
      );
    const early = await attempt({ issueDate: '2026-03-10', dueDate: '2026-03-09' });
    expect(early).toBeInstanceOf(ValidationError);
    expect(early.issues[0].path).toBe('body.dueDate');
    expect((await attempt({ dueDate: '2026-03-01' })).issues[0].path).toBe('body.dueDate');
    expect((await attempt({ dueDate: '2026-04-01', paymentTermsDays: 30 })).issues[0].path).toBe(
      'body.paymentTermsDays',
    );
    expect((await attempt({ contactId: '01J00000000000000000000000' })).issues[0].path).toBe(
      'body.contactId',
    );
    expect((await listInvoices(ctx, { limit: 10 })).items).toEqual([]);
  });

  it('lets only a draft change; an issued invoice can only have its dunning paused', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const invoice = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-10',
      dueDate: '2026-04-09',
    });
    await expect(updateInvoice(ctx, invoice.id, { lines: oneLine(1) })).rejects.toBeInstanceOf(ConflictError);
    const paused = await updateInvoice(ctx, invoice.id, { dunningPaused: { reason: 'disputed' } });
    expect(paused.dunningPaused).toMatchObject({ reason: 'disputed', pausedAt: '2026-03-10T09:00:00.000Z' });
    expect(paused.version).toBe(invoice.version + 1);
    expect((await updateInvoice(ctx, invoice.id, { dunningPaused: null })).dunningPaused).toBeUndefined();
  });
});

describe('payments', () => {
  it('move an invoice to partially paid, then paid, and out of what is owed', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const invoice = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    const first = await recordPayment(ctx, invoice.id, {
      amount: 25_000,
      method: 'bank_transfer',
      paidAt: '2026-03-05',
    });
    expect(first.invoice).toMatchObject({ status: 'partially_paid', amountPaid: 25_000, amountDue: 100_000 });
    expect(first.payment).toMatchObject({ paidOn: '2026-03-05', paidAt: '2026-03-04T23:00:00.000Z' });
    expect((await agingReport(ctx)).currencies[0]).toMatchObject({ current: 100_000, invoiceCount: 1 });
    const second = await recordPayment(ctx, invoice.id, {
      amount: 100_000,
      method: 'card',
      paidAt: '2026-03-09T15:00:00Z',
    });
    expect(second.invoice).toMatchObject({
      status: 'paid',
      amountDue: 0,
      paidAt: '2026-03-09T15:00:00.000Z',
    });
    expect((await agingReport(ctx)).currencies).toEqual([]);
    expect((await listPayments(ctx, invoice.id, page)).items.map((p) => p.amount).sort()).toEqual([
      100_000, 25_000,
    ]);
    const entries = (await listInvoiceTimeline(ctx, invoice.id, page)).items.map((e) => e.kind);
    expect(entries.filter((k) => k === 'payment')).toHaveLength(2);
  });

  it('refuse an overpayment, writing nothing', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const invoice = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    const error = await recordPayment(ctx, invoice.id, { amount: 125_001, method: 'cash' }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues[0]).toMatchObject({ path: 'body.amount' });
    expect(error.message).toContain('1,250.00 EUR');
    expect(await getInvoice(ctx, invoice.id)).toMatchObject({
      status: 'open',
      amountPaid: 0,
      version: invoice.version,
    });
    expect((await listPayments(ctx, invoice.id, page)).items).toEqual([]);
  });

  it('are refused on drafts, void and paid invoices, and in the future', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const draft = await createInvoice(ctx, { contactId: tenant.contact.id, lines: oneLine() });
    await expect(recordPayment(ctx, draft.id, { amount: 1, method: 'cash' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await voidInvoice(ctx, draft.id);
    await expect(recordPayment(ctx, draft.id, { amount: 1, method: 'cash' })).rejects.toThrow(/void/);
    const paid = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    await recordPayment(ctx, paid.id, { amount: 125_000, method: 'cash' });
    await expect(recordPayment(ctx, paid.id, { amount: 1, method: 'cash' })).rejects.toThrow(/already paid/);
    const open = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    const future = await recordPayment(ctx, open.id, {
      amount: 1,
      method: 'cash',
      paidAt: '2026-03-11',
    }).catch((e) => e);
    expect(future.issues[0].path).toBe('body.paidAt');
  });

  it('with a reference already recorded are the same payment, counted once', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const invoice = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    const body = { amount: 50_000, method: 'bank_transfer' as const, reference: 'SEPA-0042' };
    const [a, b] = await Promise.all([
      recordPayment(ctx, invoice.id, body),
      recordPayment(ctx, invoice.id, body),
    ]);
    expect(a.payment.id).toBe(b.payment.id);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect((await getInvoice(ctx, invoice.id)).amountPaid).toBe(50_000);
    await expect(recordPayment(ctx, invoice.id, { ...body, amount: 1 })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('made concurrently can never pay more than is due', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const invoice = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    const results = await Promise.allSettled(
      [1, 2].map(() => recordPayment(ctx, invoice.id, { amount: 75_000, method: 'card' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await getInvoice(ctx, invoice.id)).toMatchObject({ amountPaid: 75_000, status: 'partially_paid' });
  });
});

describe('finance views', () => {
  it('list invoices by status, customer and due date range, oldest due first', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const other = await createContact(ctx, {
      firstName: 'Alan',
      lastName: 'Turing',
      lifecycleStage: 'customer',
      tags: [],
    });
    const a = await issuedInvoice(ctx, tenant.contact.id, { issueDate: '2026-03-01', dueDate: '2026-03-20' });
    const b = await issuedInvoice(ctx, other.id, { issueDate: '2026-03-01', dueDate: '2026-03-15' });
    const c = await issuedInvoice(ctx, tenant.contact.id, { issueDate: '2026-03-01', dueDate: '2026-04-30' });
    await recordPayment(ctx, c.id, { amount: 125_000, method: 'card' });
    const draft = await createInvoice(ctx, { contactId: tenant.contact.id, lines: oneLine() });
    const ids = async (query: Record<string, string>) =>
      (await listInvoices(ctx, { limit: 25, ...query })).items.map((i) => i.id);
    expect(await ids({})).toEqual([b.id, a.id, c.id, draft.id]);
    expect(await ids({ status: 'open' })).toEqual([b.id, a.id]);
    expect(await ids({ contactId: tenant.contact.id })).toEqual([a.id, c.id, draft.id]);
    expect(await ids({ contactId: tenant.contact.id, status: 'paid' })).toEqual([c.id]);
    expect(await ids({ dueFrom: '2026-03-16', dueTo: '2026-04-30' })).toEqual([a.id, c.id]);
    expect(await ids({ dueFrom: '2026-03-16' })).toEqual([a.id, c.id]);
    expect(await ids({ number: b.number! })).toEqual([b.id]);
  });

  it('age what is owed per currency, by days past due', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const contact = tenant.contact.id;
    const invoice = async (dueDate: string, currency: string, amount: number) => {
      const draft = await createInvoice(ctx, {
        contactId: contact,
        currency,
        lines: oneLine(amount),
        issueDate: '2025-01-01',
        dueDate,
      });
      return issueInvoice(ctx, draft.id);
    };
    await invoice('2026-03-20', 'EUR', 100); // current
    await invoice('2026-03-10', 'EUR', 200); // due today: current
    await invoice('2026-03-09', 'EUR', 300); // 1 day
    await invoice('2026-01-09', 'EUR', 400); // 60 days
    await invoice('2025-12-10', 'EUR', 500); // 90 days
    await invoice('2025-12-09', 'EUR', 600); // 91 days
    const written = await invoice('2025-11-01', 'EUR', 700);
    await markUncollectible(ctx, written.id);
    await invoice('2026-02-01', 'USD', 1_000); // 37 days
    const report = await agingReport(ctx);
    expect(report).toEqual({
      asOf: '2026-03-10',
      currencies: [
        {
          currency: 'EUR',
          current: 300,
          days1To30: 300,
          days31To60: 400,
          days61To90: 500,
          over90Days: 600,
          total: 2_100,
          invoiceCount: 6,
        },
        {
          currency: 'USD',
          current: 0,
          days1To30: 0,
          days31To60: 1_000,
          days61To90: 0,
          over90Days: 0,
          total: 1_000,
          invoiceCount: 1,
        },
      ],
    });
  });

  it('print an invoice as a self-contained page with every value escaped', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, MARCH_10);
    const draft = await createInvoice(ctx, {
      contactId: tenant.contact.id,
      lines: [
        { description: '<script>alert(1)</script> Audit', quantity: 2, unitAmount: 62_500, taxRateBps: 2000 },
      ],
      issueDate: '2026-03-10',
      dueDate: '2026-04-09',
    });
    const invoice = await issueInvoice(ctx, draft.id);
    const { html } = await printInvoice(ctx, invoice.id);
    expect(html).toContain('Invoice 2026-0001');
    expect(html).toContain('€1,500.00');
    expect(html).toContain('Grace Hopper');
    expect(html).toContain('&lt;script>alert(1)&lt;/script> Audit');
    expect(html).toContain('quoting invoice 2026-0001');
    expect(html).not.toMatch(/<script|src=|href=/i);
  });
});
