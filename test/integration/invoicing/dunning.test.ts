import { beforeAll, describe, expect, it } from 'vitest';
import { handler as settleTasks } from '../../../functions/events/invoice-collections.ts';
import { updateBillingProfile } from '../../../shared/invoicing/billing.ts';
import { measureCapacity } from '../../../shared/invoicing/capacity.ts';
import { collectionsOccurrence } from '../../../shared/invoicing/collections.ts';
import { getInvoice, updateInvoice, voidInvoice } from '../../../shared/invoicing/invoices.ts';
import { claimLevel } from '../../../shared/invoicing/notices.ts';
import { recordPayment } from '../../../shared/invoicing/payments.ts';
import {
  defaultLevels,
  defaultPaymentInstructions,
  saveDunningPolicy,
} from '../../../shared/invoicing/policy.ts';
import { getStoredInvoice } from '../../../shared/invoicing/records.ts';
import { runDunningSweep } from '../../../shared/invoicing/sweep.ts';
import { listInvoiceTimeline } from '../../../shared/invoicing/timeline.ts';
import { suppress } from '../../../shared/mail/suppression.ts';
import { ValidationError } from '../../../shared/platform/errors.ts';
import { translator } from '../../../shared/platform/i18n/translator.ts';
import { getTask, taskForOccurrence } from '../../../shared/tasks/service.ts';
import { createMember } from '../../../shared/tenancy/members.ts';
import { getTenant } from '../../../shared/tenancy/records.ts';
import { useTable } from '../../support/table.ts';
import { at, billingTenant, issuedInvoice, mailsTo, sweepAt } from './helpers.ts';
import { clonePaidInvoices } from './seed.ts';

const english = await translator('en-US');
const DEFAULT_LEVELS = defaultLevels(english);

beforeAll(useTable);

/** 08:00 in Paris on the given day (the default daily job hour), as the scheduler would run it. */
const morning = (date: string) => `${date}T07:00:00Z`;
const page = { limit: 100 };

/** What the InvoicePaid/InvoiceVoided consumer receives from the bus. */
async function deliver(type: string, tenantId: string, detail: Record<string, unknown>) {
  await settleTasks(
    {
      'detail-type': type,
      source: 'funnel.invoicing',
      detail: { ...detail, eventId: `evt-${Math.random()}`, tenantId, occurredAt: new Date().toISOString() },
    } as never,
    {} as never,
  );
}

describe('the dunning sweep', () => {
  it('sends an invoice due yesterday one reminder and a finance copy, opens a collections task, and repeats nothing', async () => {
    const tenant = await billingTenant();
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    const report = await runDunningSweep(sweepAt(tenant, morning('2026-03-10')));
    expect(report).toMatchObject({
      today: '2026-03-10',
      examined: 1,
      newlyOverdue: 1,
      tasksOpened: 1,
      noticesSent: 1,
      financeSent: 1,
      skippedLevels: 1,
    });

    const [reminder, ...more] = await mailsTo(tenant.email);
    expect(more).toEqual([]);
    expect(reminder!.subject).toBe('Invoice 2026-0001 is overdue');
    expect(reminder!.body.text).toContain('Hello Grace');
    expect(reminder!.body.text).toContain('€1,250.00 was due on March 9, 2026 and is now overdue by 1 day');
    expect(reminder!.body.text).toContain(
      'How to pay: Bank transfer, quoting invoice 2026-0001 as the reference.',
    );
    expect(reminder!.body.html).toContain('<td style="padding:4px 0;font-weight:bold;">€1,250.00</td>');
    expect(reminder!.from).toContain(tenant.tenant.sender.email);
    expect(reminder!.replyTo).toEqual([tenant.financeEmail]);
    const [copy, ...moreCopies] = await mailsTo(tenant.financeEmail);
    expect(moreCopies).toEqual([]);
    expect(copy!.subject).toBe('[Copy] Invoice 2026-0001 is overdue');
    expect(copy!.body.text).toContain(`sent to ${tenant.email}`);

    const task = await taskForOccurrence(tenant.ctx, collectionsOccurrence(invoice.id));
    expect(task).toMatchObject({
      title: 'Collect invoice 2026-0001: 1,250.00 EUR, 1 day overdue',
      status: 'open',
      assigneeId: tenant.admin.id,
      source: { type: 'dunning', ref: invoice.id },
      links: expect.arrayContaining([{ type: 'invoice', id: invoice.id }]),
    });
    expect(await getInvoice(tenant.ctx, invoice.id)).toMatchObject({
      overdueSince: '2026-03-10',
      collectionsTaskId: task!.id,
      dunning: { level: 'first-reminder', notices: { courtesy: 'skipped', 'first-reminder': 'sent' } },
    });

    const again = await runDunningSweep(sweepAt(tenant, morning('2026-03-10')));
    const nextDay = await runDunningSweep(sweepAt(tenant, morning('2026-03-11')));
    for (const run of [again, nextDay]) {
      expect(run).toMatchObject({
        examined: 1,
        newlyOverdue: 0,
        tasksOpened: 0,
        noticesSent: 0,
        financeSent: 0,
      });
    }
    expect(await mailsTo(tenant.email)).toHaveLength(1);
    expect(await mailsTo(tenant.financeEmail)).toHaveLength(1);
    const timeline = (await listInvoiceTimeline(tenant.ctx, invoice.id, page)).items.map((e) => e.title);
    expect(timeline).toEqual(
      expect.arrayContaining([
        'Overdue: 1,250.00 EUR was due on 2026-03-09',
        'Courtesy reminder skipped',
        `First reminder sent to ${tenant.email}`,
        `Finance told (${tenant.financeEmail})`,
      ]),
    );
  });

  it('sends each email once when two sweeps run at the same moment', async () => {
    const tenant = await billingTenant();
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    const reports = await Promise.all([
      runDunningSweep(sweepAt(tenant, morning('2026-03-10'))),
      runDunningSweep(sweepAt(tenant, morning('2026-03-10'))),
    ]);
    expect(reports.map((r) => r.noticesSent).sort()).toEqual([0, 1]);
    expect(reports.map((r) => r.newlyOverdue).sort()).toEqual([0, 1]);
    expect(await mailsTo(tenant.email)).toHaveLength(1);
    expect(await mailsTo(tenant.financeEmail)).toHaveLength(1);
    const entries = (await listInvoiceTimeline(tenant.ctx, invoice.id, page)).items;
    expect(entries.filter((e) => e.kind === 'collections')).toHaveLength(1);
    expect(entries.filter((e) => e.kind === 'overdue')).toHaveLength(1);
  });

  it('counts days in each tenant’s own time zone', async () => {
    const paris = await billingTenant({ timeZone: 'Europe/Paris' });
    const auckland = await billingTenant({ timeZone: 'Pacific/Auckland' });
    for (const tenant of [paris, auckland]) {
      await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
        issueDate: '2026-03-01',
        dueDate: '2026-03-09',
      });
    }
    // Noon in London: still the 9th in Paris, already 01:00 on the 10th in Auckland.
    const instant = '2026-03-09T12:00:00Z';
    expect(await runDunningSweep(sweepAt(paris, instant))).toMatchObject({
      today: '2026-03-09',
      newlyOverdue: 0,
    });
    expect(await runDunningSweep(sweepAt(auckland, instant))).toMatchObject({
      today: '2026-03-10',
      newlyOverdue: 1,
    });
  });

  it('sends a courtesy reminder before the due date, with no task and no finance copy', async () => {
    const tenant = await billingTenant();
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-13',
    });
    expect(await runDunningSweep(sweepAt(tenant, morning('2026-03-09')))).toMatchObject({ noticesSent: 0 });
    const report = await runDunningSweep(sweepAt(tenant, morning('2026-03-10')));
    expect(report).toMatchObject({ noticesSent: 1, financeSent: 0, tasksOpened: 0, newlyOverdue: 0 });
    expect((await mailsTo(tenant.email)).map((m) => m.subject)).toEqual([
      'Invoice 2026-0001 is due on March 13, 2026',
    ]);
    expect(await mailsTo(tenant.financeEmail)).toEqual([]);
    expect((await getInvoice(tenant.ctx, invoice.id)).collectionsTaskId).toBeUndefined();
  });

  it('run late sends only the level due now, records the skipped ones, and escalates the task', async () => {
    const tenant = await billingTenant();
    const finance = await createMember(tenant.ctx, {
      name: 'Fiona Finance',
      email: `fiona-${tenant.tenant.id.toLowerCase()}@acme.example`,
      role: 'finance',
    });
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-01',
    });
    const report = await runDunningSweep(sweepAt(tenant, morning('2026-03-20')));
    expect(report).toMatchObject({ noticesSent: 1, skippedLevels: 3 });
    expect((await mailsTo(tenant.email)).map((m) => m.subject)).toEqual([
      'Final notice: invoice 2026-0001 (€1,250.00)',
    ]);
    expect((await getInvoice(tenant.ctx, invoice.id)).dunning.notices).toEqual({
      courtesy: 'skipped',
      'first-reminder': 'skipped',
      'second-reminder': 'skipped',
      'final-notice': 'sent',
    });
    const task = await taskForOccurrence(tenant.ctx, collectionsOccurrence(invoice.id));
    expect(task).toMatchObject({
      title: 'Collect invoice 2026-0001: 1,250.00 EUR, 19 days overdue',
      priority: 'high',
      assigneeId: tenant.admin.id,
    });

    await runDunningSweep(sweepAt(tenant, morning('2026-03-31')));
    expect(await getTask(tenant.ctx, task!.id)).toMatchObject({
      title: 'Collect invoice 2026-0001: 1,250.00 EUR, 30 days overdue',
      priority: 'urgent',
      assigneeId: finance.id,
      status: 'open',
    });
    expect(await mailsTo(tenant.email)).toHaveLength(2);
  });

  it('sends nothing while dunning is paused for the customer or the invoice, but still opens the task', async () => {
    const tenant = await billingTenant();
    const ctx = at(tenant, '2026-03-01T10:00:00Z');
    const keyAccount = await issuedInvoice(ctx, tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-05',
    });
    await updateBillingProfile(ctx, tenant.contact.id, { dunningPaused: true, pauseReason: 'key account' });
    const report = await runDunningSweep(sweepAt(tenant, morning('2026-03-10')));
    expect(report).toMatchObject({ paused: 1, noticesSent: 0, tasksOpened: 1 });

    await updateBillingProfile(ctx, tenant.contact.id, { dunningPaused: false });
    await updateInvoice(ctx, keyAccount.id, { dunningPaused: { reason: 'disputed' } });
    expect(await runDunningSweep(sweepAt(tenant, morning('2026-03-11')))).toMatchObject({
      paused: 1,
      noticesSent: 0,
    });
    expect(await mailsTo(tenant.email)).toEqual([]);

    await updateInvoice(ctx, keyAccount.id, { dunningPaused: null });
    expect(await runDunningSweep(sweepAt(tenant, morning('2026-03-12')))).toMatchObject({
      noticesSent: 1,
      skippedLevels: 2,
    });
    expect((await mailsTo(tenant.email)).map((m) => m.subject)).toEqual([
      'Second reminder: invoice 2026-0001 is 7 days overdue',
    ]);
  });

  it('never re-sends after a crash between claim and record: the notice is uncertain and finance is alerted', async () => {
    const tenant = await billingTenant();
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    // A sweep at 08:00 claimed the first reminder and died before recording what happened.
    const crashed = sweepAt(tenant, morning('2026-03-10'));
    const stored = await getStoredInvoice(crashed, invoice.id);
    const level = DEFAULT_LEVELS.find((l) => l.id === 'first-reminder')!;
    await claimLevel(
      { ctx: crashed, tenant: await getTenant(crashed), today: '2026-03-10', paymentInstructions: '' },
      stored,
      level,
      [DEFAULT_LEVELS[0]!],
    );
    // A retry five minutes later cannot tell a crash from a send in progress: it leaves it alone.
    expect(await runDunningSweep(sweepAt(tenant, '2026-03-10T07:05:00Z'))).toMatchObject({
      busy: 1,
      noticesSent: 0,
    });
    const later = await runDunningSweep(sweepAt(tenant, '2026-03-10T07:30:00Z'));
    expect(later).toMatchObject({ uncertain: 1, noticesSent: 0 });
    expect(await mailsTo(tenant.email)).toEqual([]);
    const alerts = await mailsTo(tenant.financeEmail);
    expect(alerts.map((m) => m.subject)).toEqual([
      '[Check] “First reminder” for invoice 2026-0001 may not have been sent',
    ]);
    expect(alerts[0]!.body.text).toContain('it will not be sent again automatically');
    expect((await getInvoice(tenant.ctx, invoice.id)).dunning.notices['first-reminder']).toBe('uncertain');

    expect(await runDunningSweep(sweepAt(tenant, morning('2026-03-11')))).toMatchObject({
      uncertain: 0,
      noticesSent: 0,
    });
    expect(await mailsTo(tenant.email)).toEqual([]);
    expect(await mailsTo(tenant.financeEmail)).toHaveLength(1);
  });

  it('records a suppressed customer address with its reason and tells finance', async () => {
    const tenant = await billingTenant();
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    await suppress(tenant.ctx, tenant.email, 'hard_bounce');
    const report = await runDunningSweep(sweepAt(tenant, morning('2026-03-10')));
    expect(report).toMatchObject({ noticesSent: 0, undelivered: 1, financeSent: 1 });
    expect(await mailsTo(tenant.email)).toEqual([]);
    const [told] = await mailsTo(tenant.financeEmail);
    expect(told!.subject).toBe('[Not delivered] Invoice 2026-0001 is overdue');
    expect(told!.body.text).toContain('The address is on the suppression list (hard_bounce).');
    expect((await getInvoice(tenant.ctx, invoice.id)).dunning.notices['first-reminder']).toBe('suppressed');
    const entries = (await listInvoiceTimeline(tenant.ctx, invoice.id, page)).items;
    expect(entries).toContainEqual(
      expect.objectContaining({
        title: `First reminder not delivered to ${tenant.email}`,
        summary: 'The address is on the suppression list (hard_bounce).',
      }),
    );
  });

  it('follows the tenant’s own policy, whose templates are checked when saved', async () => {
    const tenant = await billingTenant();
    const policy = {
      levels: [
        {
          id: 'nudge',
          name: 'Nudge',
          offsetDays: 2,
          email: {
            subject: '{{company.name | "Your company"}} owes {{invoice.amountDue}}',
            text: 'Please pay {{invoice.number}}.',
            html: '<p>Please pay <b>{{invoice.number}}</b>, {{contact.fullName}}.</p>',
          },
          copyFinance: false,
          action: 'none' as const,
        },
      ],
      paymentInstructions: defaultPaymentInstructions(english),
    };
    const broken = {
      ...policy,
      levels: [{ ...policy.levels[0]!, email: { ...policy.levels[0]!.email, text: '{{invoice.amount}}' } }],
    };
    const refused = await saveDunningPolicy(tenant.ctx, broken).catch((e) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused.issues).toEqual([
      {
        path: 'body.levels.0.email.text',
        message: expect.stringContaining('Unknown merge field {{invoice.amount}}'),
      },
    ]);
    await saveDunningPolicy(tenant.ctx, policy);
    await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    expect(await runDunningSweep(sweepAt(tenant, morning('2026-03-10')))).toMatchObject({
      noticesSent: 0,
      tasksOpened: 1,
    });
    await runDunningSweep(sweepAt(tenant, morning('2026-03-11')));
    const [mail] = await mailsTo(tenant.email);
    expect(mail!.subject).toBe('Your company owes €1,250.00');
    expect(mail!.body.html).toContain('<p>Please pay <b>2026-0001</b>, Grace Hopper.</p>');
    expect(mail!.body.text).toContain('Please pay 2026-0001.');
  });
});

describe('the collections task', () => {
  it('stays open through a partial payment and closes on the full payment, dated when the money arrived', async () => {
    const tenant = await billingTenant();
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    await runDunningSweep(sweepAt(tenant, morning('2026-03-10')));
    const ctx = at(tenant, '2026-03-20T10:00:00Z');
    const partial = await recordPayment(ctx, invoice.id, { amount: 25_000, method: 'bank_transfer' });
    expect(partial.invoice.status).toBe('partially_paid');
    const task = await taskForOccurrence(tenant.ctx, collectionsOccurrence(invoice.id));
    expect(task!.status).toBe('open');

    await recordPayment(ctx, invoice.id, { amount: 100_000, method: 'bank_transfer', paidAt: '2026-03-18' });
    const paid = await getInvoice(ctx, invoice.id);
    const event = {
      invoiceId: invoice.id,
      number: paid.number,
      contactId: paid.contactId,
      currency: 'EUR',
      total: paid.total,
      paidAt: paid.paidAt,
    };
    await deliver('InvoicePaid', tenant.tenant.id, event);
    await deliver('InvoicePaid', tenant.tenant.id, event);
    expect(await getTask(tenant.ctx, task!.id)).toMatchObject({
      status: 'done',
      closedAt: '2026-03-17T23:00:00.000Z',
    });
    expect(await runDunningSweep(sweepAt(tenant, morning('2026-03-21')))).toMatchObject({ examined: 0 });
  });

  it('is cancelled when its invoice is written off or voided', async () => {
    const tenant = await billingTenant();
    const invoice = await issuedInvoice(at(tenant, '2026-03-01T10:00:00Z'), tenant.contact.id, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-09',
    });
    await runDunningSweep(sweepAt(tenant, morning('2026-03-10')));
    const voided = await voidInvoice(at(tenant, '2026-03-12T10:00:00Z'), invoice.id);
    await deliver('InvoiceVoided', tenant.tenant.id, {
      invoiceId: invoice.id,
      contactId: voided.contactId,
      voidedAt: voided.voidedAt,
    });
    expect(await getTask(tenant.ctx, voided.collectionsTaskId!)).toMatchObject({
      status: 'cancelled',
      closedAt: '2026-03-12T10:00:00.000Z',
    });
  });
});

describe('the cost of the sweep', () => {
  it('reads only unpaid invoices, however many paid ones the tenant has', async () => {
    const small = await billingTenant();
    const large = await billingTenant();
    for (const tenant of [small, large]) {
      const ctx = at(tenant, '2026-03-01T10:00:00Z');
      for (let i = 0; i < 3; i++) {
        await issuedInvoice(ctx, tenant.contact.id, { issueDate: '2026-03-01', dueDate: '2026-03-09' });
      }
      const paid = await issuedInvoice(ctx, tenant.contact.id, {
        issueDate: '2026-02-01',
        dueDate: '2026-03-01',
      });
      await recordPayment(ctx, paid.id, { amount: paid.total, method: 'card' });
      await clonePaidInvoices(ctx, paid.id, tenant === large ? 600 : 2);
    }
    const sweep = async (tenant: typeof small) =>
      measureCapacity(sweepAt(tenant, morning('2026-03-10')), runDunningSweep);
    const [s, l] = [await sweep(small), await sweep(large)];
    expect(s.result.examined).toBe(3);
    expect(l.result.examined).toBe(3);
    expect(l.result.noticesSent).toBe(3);
    expect(s.capacity.read).toBeGreaterThan(0);
    expect(l.capacity.read / s.capacity.read).toBeLessThan(1.05);
  });
});
