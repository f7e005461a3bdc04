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
import type { DailyUsage, Statement } from './schema.ts';
import { type StoredSubscription, storedSubscription } from './stored.ts';
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

interface MonthUsage {
  seatDays: number;
  emailsSent: number;
  apiCalls: number;
  peakContacts: number;
  peakStorageBytes: number;
}

/**
 * The month since the subscription began. Seat-days: each day's measured seats; a day the meter
 * did not measure (the subscription began that month, or a run was missed) counts the seats of the
 * nearest measured day before it, else after it; never zero. Emails
 * and API calls: the measured days' counts summed (a missed day is counted by no later day, in
 * the tenant's favour). Contacts
 * and storage: the highest day.
 */
async function monthUsageOf(ctx: TenantContext, month: string, from: string): Promise<MonthUsage> {
  const items = await queryAll(ctx, {
    partition: subscriptionKeys.usage(ctx.tenantId),
    sort: { between: [`DAY#${month}-01`, `DAY#${month}-31`] },
  });
  const measured = items.map((item) => withoutKeys<DailyUsage>(item));
  const onPlan = measured.filter((d) => d.date >= from);
  const usage: MonthUsage = {
    seatDays: 0,
    emailsSent: onPlan.reduce((sum, d) => sum + (d.emailsSent ?? 0), 0),
    apiCalls: onPlan.reduce((sum, d) => sum + (d.apiCalls ?? 0), 0),
    peakContacts: Math.max(0, ...onPlan.map((d) => d.contacts ?? 0)),
    peakStorageBytes: Math.max(0, ...onPlan.map((d) => d.storageBytes ?? 0)),
  };
  const seatsOn = (date: string) =>
    (measured.findLast((d) => d.date <= date) ?? measured.find((d) => d.date > date))?.seats ?? 0;
  for (
    let date = from > `${month}-01` ? from : `${month}-01`;
    date.startsWith(month);
    date = addDays(date, 1)
  )
    usage.seatDays += seatsOn(date);
  return usage;
}

/**
 * The month's statement and its invoice in the operator tenant, exactly once: the statement is
 * claimed with the invoice's id fixed beforehand (a conditional put keyed by tenant and month), the
 * draft is written under that id only if absent, and issued only while still a draft, so a rerun
 * at any step finishes the same invoice instead of making another.
 */
async function closeMonth(
  ctx: TenantContext,
  tenant: Tenant,
  subscription: StoredSubscription,
  month: string,
): Promise<Statement> {
  const { plan } = subscription;
  const from = localDate(new Date(subscription.since), tenant.timeZone);
  const usage = await monthUsageOf(ctx, month, from);
  const { seatDays } = usage;
  // A yearly price is a price per seat-year: a seat-day costs its 365th (366th).
  const periodDays = plan.billingPeriod === 'month' ? daysInMonth(month) : daysInYear(month);
  const amount = Math.round((seatDays * plan.seatPrice) / periodDays);
  const key = subscriptionKeys.statement(ctx.tenantId, month);
  const claim: Statement = {
    month,
    planId: plan.id,
    currency: plan.currency,
    ...usage,
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
      lines: [
        {
          description: i18n.t('subscriptions.statement.line', {
            plan: subscription.plan.name,
            month: statement.month,
            seatDays: statement.seatDays,
          }),
          quantity: 1,
          unitAmount: statement.amount,
          taxRateBps: 0,
        },
      ],
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
