import { beforeAll, describe, expect, it } from 'vitest';
import { eraseContact, performMerge, requestMerge } from '../../../shared/contacts/privacy.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import { getBillingProfile, updateBillingProfile } from '../../../shared/invoicing/billing.ts';
import { collectionsOccurrence } from '../../../shared/invoicing/collections.ts';
import { eraseInvoicingRecords, mergeInvoicingRecords } from '../../../shared/invoicing/contact-changes.ts';
import { createInvoice, getInvoice, listInvoices } from '../../../shared/invoicing/invoices.ts';
import { invoiceKeys } from '../../../shared/invoicing/keys.ts';
import { listPayments, recordPayment } from '../../../shared/invoicing/payments.ts';
import { saveDunningPolicy } from '../../../shared/invoicing/policy.ts';
import { printInvoice } from '../../../shared/invoicing/print.tsx';
import { DunningPolicyInput, InvoiceListQuery, PaymentCreate } from '../../../shared/invoicing/schema.ts';
import { runDunningSweep } from '../../../shared/invoicing/sweep.ts';
import { listInvoiceTimeline } from '../../../shared/invoicing/timeline.ts';
import { getItem, queryAll } from '../../../shared/platform/db/repository.ts';
import { taskForOccurrence } from '../../../shared/tasks/service.ts';
import { useTable } from '../../support/table.ts';
import { at, billingTenant, issuedInvoice, oneLine, sweepAt } from './helpers.ts';

beforeAll(useTable);

const invoicesOf = async (tenant: Awaited<ReturnType<typeof billingTenant>>, contactId: string) =>
  (await listInvoices(tenant.ctx, InvoiceListQuery.parse({ contactId }))).items;

const consumerOf = (tenant: Awaited<ReturnType<typeof billingTenant>>) =>
  tenant.as({ type: 'system', process: 'invoicing-contacts' });

describe('a merge of two contacts, in invoicing', () => {
  it("gives the kept contact the duplicate's invoices and dunning pause, once", async () => {
    const tenant = await billingTenant();
    const kept = tenant.contact;
    const duplicate = await createContact(tenant.ctx, {
      firstName: 'G.',
      lastName: 'Hopper',
      email: `g-${Date.now()}@navy.example`,
      lifecycleStage: 'customer',
      tags: [],
    });
    const issued = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), duplicate.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    const draft = await createInvoice(tenant.ctx, { contactId: duplicate.id, lines: oneLine(5_000) });
    await updateBillingProfile(tenant.ctx, duplicate.id, { dunningPaused: true, pauseReason: 'Key account' });

    await requestMerge(tenant.ctx, kept.id, duplicate.id);
    await performMerge(tenant.ctx, kept.id, duplicate.id);
    await mergeInvoicingRecords(consumerOf(tenant), kept.id, duplicate.id);

    expect((await invoicesOf(tenant, kept.id)).map((i) => i.id).sort()).toEqual([issued.id, draft.id].sort());
    expect(await invoicesOf(tenant, duplicate.id)).toEqual([]);
    const moved = await getInvoice(tenant.ctx, issued.id);
    expect(moved).toMatchObject({
      contactId: kept.id,
      number: issued.number,
      total: issued.total,
      version: issued.version + 1,
    });
    const timeline = await listInvoiceTimeline(tenant.ctx, issued.id, { limit: 10 });
    expect(timeline.items[0]).toMatchObject({
      kind: 'customer_merged',
      title: `Customer merged: contact ${duplicate.id} is now contact ${kept.id}`,
    });
    expect(await getBillingProfile(tenant.ctx, kept.id)).toMatchObject({
      dunningPaused: true,
      pauseReason: 'Key account',
    });
    expect(await getItem(tenant.ctx, invoiceKeys.billing(tenant.ctx.tenantId, duplicate.id))).toBeUndefined();

    await mergeInvoicingRecords(consumerOf(tenant), kept.id, duplicate.id);
    expect(await getInvoice(tenant.ctx, issued.id)).toEqual(moved);
    expect((await listInvoiceTimeline(tenant.ctx, issued.id, { limit: 10 })).items).toEqual(timeline.items);
    expect((await getBillingProfile(tenant.ctx, kept.id)).version).toBe(1);
  });
});

describe('an erased contact, in invoicing', () => {
  it('keeps the invoice’s number, lines, amounts and payments, and nothing about the person', async () => {
    const tenant = await billingTenant();
    const { contact, email } = tenant;
    // A subject that names the person, as a tenant's template may.
    const policy = DunningPolicyInput.parse({
      paymentInstructions: 'Bank transfer, quoting invoice {{invoice.number}}.',
      levels: [
        {
          id: 'first-reminder',
          name: 'First reminder',
          offsetDays: 1,
          email: { subject: 'Invoice {{invoice.number}} for {{contact.fullName}}', text: 'Please pay.' },
          copyFinance: true,
        },
      ],
    });
    await saveDunningPolicy(tenant.ctx, policy);
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    await updateBillingProfile(tenant.ctx, contact.id, { dunningPaused: false });
    await runDunningSweep(sweepAt(tenant, '2026-03-10T07:00:00Z'));
    await recordPayment(
      at(tenant, '2026-03-12T10:00:00Z'),
      invoice.id,
      PaymentCreate.parse({ amount: 25_000, reference: 'BANK-1' }),
    );
    const before = await getInvoice(tenant.ctx, invoice.id);
    const timelineBefore = JSON.stringify(await listInvoiceTimeline(tenant.ctx, invoice.id, { limit: 100 }));
    expect(timelineBefore).toContain(email);
    expect(timelineBefore).toContain('Grace Hopper');

    await eraseContact(tenant.ctx, contact.id);
    await eraseInvoicingRecords(consumerOf(tenant), contact.id);

    const after = await getInvoice(tenant.ctx, invoice.id);
    expect(after).toMatchObject({
      id: invoice.id,
      number: before.number,
      status: 'partially_paid',
      contactId: contact.id,
      lines: before.lines,
      subtotal: before.subtotal,
      taxTotal: before.taxTotal,
      total: before.total,
      amountPaid: 25_000,
      amountDue: before.total - 25_000,
      contactErasedAt: expect.any(String),
    });
    const payments = await listPayments(tenant.ctx, invoice.id, { limit: 10 });
    expect(payments.items).toEqual([expect.objectContaining({ amount: 25_000, reference: 'BANK-1' })]);

    const everything = JSON.stringify(
      await queryAll(tenant.ctx, { partition: invoiceKeys.partition(tenant.ctx.tenantId, invoice.id) }),
    );
    expect(everything).not.toContain(email);
    expect(everything).not.toContain('Grace');
    const timeline = await listInvoiceTimeline(tenant.ctx, invoice.id, { limit: 100 });
    expect(timeline.items.map((e) => e.title)).toEqual(
      expect.arrayContaining([
        "The customer's personal data was erased",
        'First reminder sent to Erased contact',
        `Finance told (${tenant.financeEmail})`,
      ]),
    );

    const task = await taskForOccurrence(tenant.ctx, collectionsOccurrence(invoice.id));
    expect(task!.description).toContain('Invoice 2026-0001 to Erased contact');
    expect(task!.description).not.toContain(email);
    expect(task!.description).not.toContain('Grace');

    const { html: page } = await printInvoice(tenant.ctx, invoice.id);
    expect(page).toContain('Erased contact');
    expect(page).not.toContain('Grace');
    expect(await getItem(tenant.ctx, invoiceKeys.billing(tenant.ctx.tenantId, contact.id))).toBeUndefined();

    await eraseInvoicingRecords(consumerOf(tenant), contact.id);
    expect(await getInvoice(tenant.ctx, invoice.id)).toEqual(after);
    expect(await listInvoiceTimeline(tenant.ctx, invoice.id, { limit: 100 })).toEqual(timeline);
  });
});
