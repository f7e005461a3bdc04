import { InvoiceOverdue } from '../../events/invoicing.ts';
import { getCompany, getContact } from '../contacts/records.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import type { TenantContext } from '../platform/context.ts';
import { and } from '../platform/db/expressions.ts';
import { queryEach, unitOfWork } from '../platform/db/repository.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { addDays, daysBetween, localDate } from '../platform/time.ts';
import { getTenant } from '../tenancy/records.ts';
import { billingProfiles } from './billing.ts';
import { escalateCollectionsTask, openCollectionsTask } from './collections.ts';
import { statusIs } from './invoices.ts';
import { invoiceKeys } from './keys.ts';
import { formatMoney } from './money.ts';
import {
  type Customer,
  claimLevel,
  type DunningRun,
  LevelBusy,
  resolveInterrupted,
  STALE_CLAIM_MS,
  sendLevel,
} from './notices.ts';
import { getDunningPolicy } from './policy.ts';
import { isUnpaid, type StoredInvoice, toStored } from './records.ts';
import type { DunningLevel } from './schema.ts';
import { addInvoiceEntryInto } from './timeline.ts';

/**
 * The daily dunning sweep of one tenant. It reads only the sparse index of unpaid invoices (GSI4),
 * and of those only the ones due by `today` plus the earliest courtesy offset, so its cost follows
 * the number of unpaid invoices, never the paid history. For each invoice it:
 * - notices it is overdue (once: InvoiceOverdue) and opens its collections task (once);
 * - sends the current dunning level, the latest one due, unless dunning is paused for the invoice
 *   or its customer; earlier levels never sent are recorded as skipped (a sweep that ran late, or
 *   a pause, never sends a backlog of reminders at once);
 * - brings the collections task up to date with the level.
 * Every step is guarded by a conditional write, so running it twice, or after a crash, repeats nothing.
 */
export interface SweepReport {
  tenantId: string;
  today: string;
  /** Unpaid invoices read from the index. */
  examined: number;
  newlyOverdue: number;
  tasksOpened: number;
  /** Customer notices sent (SES accepted them). */
  noticesSent: number;
  /** Finance copies and alerts sent. */
  financeSent: number;
  /** Notices that could not be delivered (suppressed address, no address, refused). */
  undelivered: number;
  skippedLevels: number;
  paused: number;
  /** Interrupted sends resolved as uncertain (finance alerted). */
  uncertain: number;
  /** Invoices another run was working on. */
  busy: number;
}

const PARALLEL = 4;

export async function runDunningSweep(ctx: TenantContext): Promise<SweepReport> {
  const tenant = await getTenant(ctx);
  const policy = await getDunningPolicy(ctx, tenant.locale);
  const today = localDate(ctx.clock.now(), tenant.timeZone);
  const run: DunningRun = {
    ctx,
    tenant,
    today,
    paymentInstructions: policy.paymentInstructions,
    defaultPolicy: policy.isDefault,
  };
  const report: SweepReport = {
    tenantId: ctx.tenantId,
    today,
    examined: 0,
    newlyOverdue: 0,
    tasksOpened: 0,
    noticesSent: 0,
    financeSent: 0,
    undelivered: 0,
    skippedLevels: 0,
    paused: 0,
    uncertain: 0,
    busy: 0,
  };
  // Overdue from the day after the due date; a courtesy level reaches further ahead.
  const lead = Math.max(-1, ...policy.levels.map((l) => -l.offsetDays));
  const horizon = addDays(today, lead);
  const invoices: StoredInvoice[] = [];
  for await (const item of queryEach(ctx, {
    index: 'GSI4',
    partition: invoiceKeys.unpaid(ctx.tenantId),
    sort: { lessThan: addDays(horizon, 1) },
  })) {
    invoices.push(toStored(item));
  }
  report.examined = invoices.length;

  const dueLevel = (invoice: StoredInvoice) =>
    currentLevel(policy.levels, daysBetween(invoice.dueDate!, today));
  const needProfiles = invoices.filter((i) => {
    const level = dueLevel(i);
    return level && !i.dunningNotices[level.id] && !i.dunningPaused;
  });
  const profiles = await billingProfiles(
    ctx,
    needProfiles.map((i) => i.contactId),
  );

  const failures: unknown[] = [];
  const queue = [...invoices];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let invoice = queue.shift(); invoice; invoice = queue.shift()) {
        try {
          await sweepInvoice(
            run,
            policy.levels,
            invoice,
            profiles.get(invoice.contactId)?.dunningPaused ?? false,
            report,
          );
        } catch (error) {
          ctx.logger.error('dunning failed for an invoice', { invoiceId: invoice.id, error: String(error) });
          failures.push(error);
        }
      }
    }),
  );
  ctx.logger.info('dunning sweep done', { ...report });
  if (failures.length) {
    // The scheduler retries the whole sweep; everything already done is guarded and not repeated.
    throw new Error(`The dunning sweep failed for ${failures.length} invoice(s); it will be retried.`, {
      cause: failures[0],
    });
  }
  return report;
}

/** The latest level due `daysOverdue` days after the due date (negative before it). */
export function currentLevel(levels: DunningLevel[], daysOverdue: number): DunningLevel | undefined {
  return levels.filter((l) => l.offsetDays <= daysOverdue).at(-1);
}

async function customerOf(ctx: TenantContext, invoice: StoredInvoice): Promise<Customer> {
  const contact = await getContact(ctx, invoice.contactId).catch(absentIfNotFound);
  const companyId = invoice.companyId ?? contact?.companyId;
  const company = companyId ? await getCompany(ctx, companyId).catch(absentIfNotFound) : undefined;
  return { contact, company };
}

async function sweepInvoice(
  run: DunningRun,
  levels: DunningLevel[],
  invoice: StoredInvoice,
  customerPaused: boolean,
  report: SweepReport,
): Promise<void> {
  const { ctx, today } = run;
  const daysOverdue = daysBetween(invoice.dueDate!, today);
  if (invoice.dunningPending) {
    if (ctx.clock.now().getTime() - Date.parse(invoice.dunningPending.claimedAt) < STALE_CLAIM_MS) {
      report.busy++;
      return;
    }
    const pendingLevel = levels.find((l) => l.id === invoice.dunningPending!.levelId) ?? {
      id: invoice.dunningPending.levelId,
      name: invoice.dunningPending.levelId,
    };
    await resolveInterrupted(run, invoice, pendingLevel);
    report.uncertain++;
  }
  let customer: Customer | undefined;
  const customerOnce = async () => {
    customer ??= await customerOf(ctx, invoice);
    return customer;
  };

  if (daysOverdue >= 1) {
    if (!invoice.overdueSince) {
      const marked = await markOverdue(ctx, invoice, daysOverdue);
      if (marked === 'settled') return;
      if (marked === 'marked') report.newlyOverdue++;
    }
    if (!invoice.collectionsTaskId) {
      const task = await openCollectionsTask(ctx, invoice, await customerOnce(), daysOverdue);
      invoice.collectionsTaskId = task.id;
      report.tasksOpened++;
    }
  }

  const level = currentLevel(levels, daysOverdue);
  if (level && !invoice.dunningNotices[level.id]) {
    if (invoice.dunningPaused || customerPaused) {
      report.paused++;
    } else {
      const skipped = levels.filter((l) => l.offsetDays < level.offsetDays && !invoice.dunningNotices[l.id]);
      try {
        await claimLevel(run, invoice, level, skipped);
      } catch (error) {
        if (!(error instanceof LevelBusy)) throw error;
        report.busy++;
        return;
      }
      report.skippedLevels += skipped.length;
      const sent = await sendLevel(run, invoice, level, await customerOnce(), daysOverdue);
      if (sent.customer.status === 'sent') report.noticesSent++;
      else report.undelivered++;
      if (sent.finance?.status === 'sent') report.financeSent++;
    }
  }

  const handled = levels.find((l) => l.id === invoice.dunningLevel);
  if (
    invoice.collectionsTaskId &&
    handled &&
    handled.offsetDays >= 1 &&
    invoice.collectionsTaskLevel !== handled.id
  ) {
    await escalateCollectionsTask(ctx, invoice, handled, daysOverdue);
  }
}

/** Marks the invoice overdue once: the condition makes a concurrent or later sweep a no-op. */
async function markOverdue(
  ctx: TenantContext,
  invoice: StoredInvoice,
  daysOverdue: number,
): Promise<'marked' | 'already' | 'settled'> {
  const overdueSince = addDays(invoice.dueDate!, 1);
  const amount = formatMoney(invoice.amountDue, invoice.currency);
  const uow = unitOfWork(ctx).update(invoiceKeys.invoice(ctx.tenantId, invoice.id), {
    set: { overdueSince },
    condition: and(
      statusIs('open', 'partially_paid'),
      (e) => `attribute_not_exists(${e.name('overdueSince')})`,
    ),
    onConditionFailed: (existing) => new NotOverdue(existing ? toStored(existing) : undefined),
  });
  addInvoiceEntryInto(uow, ctx, invoice.id, {
    kind: 'overdue',
    title: `Overdue: ${amount} was due on ${invoice.dueDate}`,
  });
  addTimelineEntryInto(uow, ctx, invoice.contactId, {
    kind: 'invoice',
    title: `Invoice ${invoice.number} is overdue: ${amount} was due on ${invoice.dueDate}`,
    ref: { type: 'invoice', id: invoice.id },
  });
  uow.publish(InvoiceOverdue, {
    invoiceId: invoice.id,
    number: invoice.number!,
    contactId: invoice.contactId,
    currency: invoice.currency,
    amountDue: invoice.amountDue,
    dueDate: invoice.dueDate!,
    daysOverdue,
  });
  try {
    await uow.commit();
    invoice.overdueSince = overdueSince;
    return 'marked';
  } catch (error) {
    if (!(error instanceof NotOverdue)) throw error;
    const current = error.invoice;
    if (!current?.overdueSince || !isUnpaid(current.status)) return 'settled';
    // Another run marked it a moment ago: carry on with the rest, which is guarded too.
    invoice.overdueSince = current.overdueSince;
    return 'already';
  }
}

class NotOverdue extends Error {
  constructor(readonly invoice: StoredInvoice | undefined) {
    super('The invoice was settled or marked overdue meanwhile.');
  }
}
