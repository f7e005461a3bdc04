import { createContact } from '../contacts/service.ts';
import { draftInto, getInvoice, issueInvoice, newDraft } from '../invoicing/invoices.ts';
import { operatorTenantId } from '../operator/config.ts';
import { type TenantContext, tenantContext } from '../platform/context.ts';
import { exists, notExists } from '../platform/db/expressions.ts';
import { getItem, queryAll, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { newId } from '../platform/ids.ts';
import { addDays, daysBetween, localDate } from '../platform/time.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { seatsOf } from '../tenancy/seats.ts';
import { subscriptionKeys } from './keys.ts';
import { checkQuotas } from './quotas.ts';
import type { DailyUsage, Statement, StatementLine } from './schema.ts';
import { type PlanPeriod, planPeriods, type StoredSubscription, storedSubscription } from './stored.ts';
import { apiCallsOn, contactsKept, emailsInMonthTo, emailsSentOn, storedBytes } from './usage.ts';

/**
 * Metering without a write per request: once a day, after the tenant's midnight, the day that
 * ended is recorded from what already exists (the active members, the contacts, the stored
 * documents, and the emails SES's Send events counted), and the last day of a month closes the
 * month into a statement that the operator tenant invoices. See docs/subscriptions.md.
 */
export interface MeteringRun extends DailyUsage {
  statement?: Statement;
}

export async function meterYesterday(ctx: TenantContext): Promise<MeteringRun> {
  const tenant = await getTenant(ctx);
  const date = addDays(localDate(ctx.clock.now(), tenant.timeZone), -1);
  const [subscription, seats, contacts, storageBytes, emailsSent, apiCalls] = await Promise.all([
    storedSubscription(ctx),
    seatsOf(ctx),
    contactsKept(ctx),
    storedBytes(ctx),
    emailsSentOn(ctx, date),
    apiCallsOn(ctx, date),
  ]);
  const day: DailyUsage = {
    date,
    seats: seats.active.length,
    contacts,
    storageBytes,
    emailsSent,
    apiCalls,
    ...(subscription ? { planId: subscription.planId } : {}),
  };
  // A rerun the same day measures again: until the month closes, the latest measure stands.
  await unitOfWork(ctx)
    .put({ ...subscriptionKeys.day(ctx.tenantId, date), entity: 'DailyUsage', ...day })
    .commit();
  // Contacts and storage are warned about once a month; emails once the month's count is known,
  // counted to today while the month goes on (today's emails may be what blocked it).
  const month = date.slice(0, 7);
  const today = addDays(date, 1);
  const emailsTo = today.startsWith(month) ? today : date;
  await checkQuotas(
    ctx,
    [
      { quota: 'contacts', used: contacts, period: month },
      { quota: 'storageMb', used: storageBytes, period: month },
      { quota: 'emailsPerMonth', used: await emailsInMonthTo(ctx, emailsTo), period: month },
    ],
    tenant,
  );
  const closesMonth = addDays(date, 1).endsWith('-01');
  if (!closesMonth || !subscription) return day;
  return { ...day, statement: await closeMonth(ctx, tenant, subscription, date.slice(0, 7)) };
}

const firstOfNextMonth = (month: string) => `${addDays(`${month}-28`, 7).slice(0, 7)}-01`;
const daysInMonth = (month: string) => daysBetween(`${month}-01`, firstOfNextMonth(month));
const daysInYear = (month: string) => {
  const year = Number(month.slice(0, 4));
  return daysBetween(`${year}-01-01`, `${year + 1}-01-01`);
};

/**
 * The month in stretches, each at the plan in force during it: a day is billed at the plan the
 * tenant was on at its end (the last period that began on or before it, in the tenant's time
 * zone), so the day of a change counts at the new plan, and days before the first plan are not
 * billed. Seat-days: each day's measured seats; a day the meter did not measure (a run was missed)
 * counts the seats of the nearest measured day before it, else after it. Emails and API calls:
 * the measured days' counts summed (a missed day is counted by no later day, in the tenant's
 * favour). Contacts and storage: the highest day on a plan.
 */
async function monthLinesOf(
  ctx: TenantContext,
  tenant: Tenant,
  month: string,
  periods: PlanPeriod[],
): Promise<{ lines: StatementLine[]; peakContacts: number; peakStorageBytes: number }> {
  const items = await queryAll(ctx, {
    partition: subscriptionKeys.usage(ctx.tenantId),
    sort: { between: [`DAY#${month}-01`, `DAY#${month}-31`] },
  });
  const measured = items.map((item) => withoutKeys<DailyUsage>(item));
  const seatsOn = (date: string) =>
    (measured.findLast((d) => d.date <= date) ?? measured.find((d) => d.date > date))?.seats ?? 0;
  const starts = periods
    .map((period) => ({ period, day: localDate(new Date(period.from), tenant.timeZone) }))
    .sort((a, b) => a.period.from.localeCompare(b.period.from));
  const stretches: Array<{ period: PlanPeriod; line: StatementLine }> = [];
  let peakContacts = 0;
  let peakStorageBytes = 0;
  for (let date = `${month}-01`; date.startsWith(month); date = addDays(date, 1)) {
    const period = starts.findLast((start) => start.day <= date)?.period;
    if (!period) continue;
    let stretch = stretches.at(-1);
    if (stretch?.period !== period) {
      stretch = {
        period,
        line: {
          planId: period.planId,
          planName: period.plan.name,
          from: date,
          to: date,
          seatPrice: period.plan.seatPrice,
          billingPeriod: period.plan.billingPeriod,
          seatDays: 0,
          emailsSent: 0,
          apiCalls: 0,
          amount: 0,
        },
      };
      stretches.push(stretch);
    }
    const { line } = stretch;
    line.to = date;
    line.seatDays += seatsOn(date);
    const day = measured.find((d) => d.date === date);
    line.emailsSent += day?.emailsSent ?? 0;
    line.apiCalls += day?.apiCalls ?? 0;
    peakContacts = Math.max(peakContacts, day?.contacts ?? 0);
    peakStorageBytes = Math.max(peakStorageBytes, day?.storageBytes ?? 0);
  }
  const lines = stretches.map(({ line }) => {
    // A yearly price is a price per seat-year: a seat-day costs its 365th (366th).
    const periodDays = line.billingPeriod === 'month' ? daysInMonth(month) : daysInYear(month);
    return { ...line, amount: Math.round((line.seatDays * line.seatPrice) / periodDays) };
  });
  return { lines, peakContacts, peakStorageBytes };
}

/**
 * The month's statement and its invoice in the operator tenant, exactly once: the statement, its
 * lines computed once, is claimed with the invoice's id fixed beforehand (a conditional put keyed
 * by tenant and month), the draft is written under that id only if absent, and issued only while
 * still a draft, so a rerun at any step finishes the same invoice instead of making another.
 */
async function closeMonth(
  ctx: TenantContext,
  tenant: Tenant,
  subscription: StoredSubscription,
  month: string,
): Promise<Statement> {
  const { lines, peakContacts, peakStorageBytes } = await monthLinesOf(
    ctx,
    tenant,
    month,
    await planPeriods(ctx, subscription),
  );
  const sum = (of: (line: StatementLine) => number) => lines.reduce((total, line) => total + of(line), 0);
  const amount = sum((line) => line.amount);
  const key = subscriptionKeys.statement(ctx.tenantId, month);
  const claim: Statement = {
    month,
    planId: lines.at(-1)?.planId ?? subscription.planId,
    currency: subscription.plan.currency,
    seatDays: sum((line) => line.seatDays),
    lines,
    emailsSent: sum((line) => line.emailsSent),
    apiCalls: sum((line) => line.apiCalls),
    peakContacts,
    peakStorageBytes,
    amount,
    ...(amount > 0 ? { invoiceId: newId() } : {}),
  };
  const claimed = await unitOfWork(ctx)
    .put({ ...key, entity: 'Statement', ...claim }, { condition: notExists })
    .commit()
    .then(() => claim)
    .catch(async (error: unknown) => {
      const existing = await getItem(ctx, key, { consistent: true });
      if (!existing) throw error;
      return withoutKeys<Statement>(existing);
    });
  if (!claimed.invoiceId || claimed.invoiceNumber) return claimed;
  const invoiceNumber = await invoiceStatement(ctx, tenant, subscription, claimed);
  await unitOfWork(ctx).update(key, { set: { invoiceNumber }, condition: exists }).commit();
  return { ...claimed, invoiceNumber };
}

async function findInvoice(ctx: TenantContext, id: string) {
  return getInvoice(ctx, id).catch(absentIfNotFound);
}

async function invoiceStatement(
  ctx: TenantContext,
  tenant: Tenant,
  subscription: StoredSubscription,
  statement: Statement,
): Promise<string> {
  const invoiceId = statement.invoiceId!;
  const operator = tenantContext({
    tenantId: operatorTenantId(),
    actor: { type: 'system', process: 'metering' },
    clock: ctx.clock,
  });
  if (!(await findInvoice(operator, invoiceId))) {
    const contactId = await customerInOperator(ctx, operator, tenant, subscription);
    const [operatorTenant, i18n] = await Promise.all([getTenant(operator), translator(tenant.locale)]);
    const draft = newDraft(operator, operatorTenant, {
      contactId,
      currency: statement.currency,
      lines: invoiceLines(statement, subscription, i18n),
      notes: i18n.t('subscriptions.statement.notes', { tenant: tenant.name, tenantId: ctx.tenantId }),
    });
    const uow = unitOfWork(operator);
    draftInto(
      uow,
      operator,
      { ...draft, id: invoiceId },
      `Subscription ${statement.month} of ${tenant.name}`,
    );
    await uow.commit().catch(async (error: unknown) => {
      if (!(await findInvoice(operator, invoiceId))) throw error;
    });
  }
  const invoice = await getInvoice(operator, invoiceId);
  if (invoice.status === 'draft') return (await issueInvoice(operator, invoiceId)).number!;
  return invoice.number!;
}

/**
 * One invoice line per stretch of the month: a month on one plan reads `Team, 2026-11: 42
 * seat-days`, each stretch of a month with a plan change names its days. A statement from before
 * plan periods has no lines: one line for the month.
 */
function invoiceLines(
  statement: Statement,
  subscription: StoredSubscription,
  i18n: Awaited<ReturnType<typeof translator>>,
) {
  const lines = statement.lines ?? [
    { planName: subscription.plan.name, seatDays: statement.seatDays, amount: statement.amount },
  ];
  return lines.map((line) => ({
    description:
      'from' in line && lines.length > 1
        ? i18n.t('subscriptions.statement.stretch', {
            plan: line.planName,
            from: i18n.date(line.from),
            to: i18n.date(line.to),
            seatDays: line.seatDays,
          })
        : i18n.t('subscriptions.statement.line', {
            plan: line.planName,
            month: statement.month,
            seatDays: line.seatDays,
          }),
    quantity: 1,
    unitAmount: line.amount,
    taxRateBps: 0,
  }));
}

/** The tenant as a customer of the operator: a contact made once, remembered on the subscription. */
async function customerInOperator(
  ctx: TenantContext,
  operator: TenantContext,
  tenant: Tenant,
  subscription: StoredSubscription,
): Promise<string> {
  if (subscription.operatorContactId) return subscription.operatorContactId;
  const contact = await createContact(operator, {
    firstName: tenant.name.slice(0, 100),
    lastName: tenant.id,
    email: tenant.financeEmail,
    lifecycleStage: 'customer',
    tags: ['subscriber'],
    locale: tenant.locale,
  });
  await unitOfWork(ctx)
    .update(subscriptionKeys.subscription(ctx.tenantId), {
      set: { operatorContactId: contact.id },
      condition: exists,
    })
    .commit();
  return contact.id;
}
