import { contactKeys } from '../contacts/keys.ts';
import { documentKeys } from '../documents/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { type Condition, notExists } from '../platform/db/expressions.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import {
  countItems,
  getItem,
  getItems,
  type Item,
  queryAll,
  queryEach,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { addDays, localDate } from '../platform/time.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { getTenant, quotaBlockOf, toTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { API_CALL_BATCH_DAYS, EMAIL_SHARDS, emailShardOf, subscriptionKeys } from './keys.ts';
import { checkQuotas } from './quotas.ts';
import { type StoredSubscription, storedSubscription } from './stored.ts';

/**
 * What a tenant uses besides seats, measured without a write per request (docs/subscriptions.md):
 * contacts and stored bytes are measured from the records themselves once a day; emails are
 * counted from SES's Send events, off any request path.
 */

/** SES redelivers within a day; a marker kept three days covers that with room to spare. */
const MARKER_SECONDS = 3 * 24 * 3600;

class AlreadyCounted extends Error {}
class TenantLeaving extends Error {}

/** The tenant exists and its deletion is not confirmed (a frozen tenant is being removed). */
const tenantStaying: Condition = (e) =>
  `attribute_exists(${e.name('PK')}) AND (attribute_not_exists(${e.name('status')}) OR ${e.name('status')} <> ${e.value('frozen')})`;

/**
 * Counts emails SES accepted for the tenant, each on the tenant's day of its `sentAt`, once per
 * message id: markers and increments are written together, conditioned on the markers being
 * absent (EMAILS_PER_WRITE to a transaction, with one increment per counter). When the plan has an
 * emails quota, the month so far is then compared with it (quotas.ts). Answers how many counted.
 */
export async function meterEmailsSent(
  ctx: TenantContext,
  emails: ReadonlyArray<{ messageId: string; sentAt: string }>,
): Promise<number> {
  const settings = await mailMeterSettings(ctx);
  if (!settings) return 0;
  // A message reported twice in one batch is one email.
  const unique = [...new Map(emails.map((e) => [e.messageId, e])).values()];
  const dates = new Set<string>();
  let counted = 0;
  for (let start = 0; start < unique.length; start += EMAILS_PER_WRITE) {
    const chunk = unique.slice(start, start + EMAILS_PER_WRITE);
    const outcome = await countEmailsSent(ctx, chunk, settings.tenant.timeZone);
    if (outcome === 'leaving') return counted;
    // One of them was counted before (a redelivered event): the transaction wrote nothing, so
    // each is counted on its own, and the one already counted is skipped.
    const each: Array<Awaited<ReturnType<typeof countEmailsSent>>> = [outcome];
    if (outcome === 'already-counted') {
      each.length = 0;
      // One after another: they share their day's counters.
      for (const email of chunk) each.push(await countEmailsSent(ctx, [email], settings.tenant.timeZone));
    }
    for (const result of each)
      if (typeof result === 'object') {
        counted += result.counted;
        for (const date of result.dates) dates.add(date);
      }
  }
  const { subscription, tenant } = settings;
  if (counted > 0 && subscription?.plan.quotas.emailsPerMonth !== undefined) {
    // Each month touched, counted to its latest day so far: a late event of yesterday must not
    // measure the month without today's emails.
    const latest = new Map<string, string>();
    for (const date of [...dates].sort()) latest.set(date.slice(0, 7), date);
    const today = localDate(ctx.clock.now(), tenant.timeZone);
    if ((latest.get(today.slice(0, 7)) ?? today) < today) latest.set(today.slice(0, 7), today);
    await checkQuotas(
      ctx,
      await Promise.all(
        [...latest].map(async ([month, date]) => ({
          quota: 'emailsPerMonth' as const,
          used: await emailsInMonthTo(ctx, date),
          period: month,
        })),
      ),
      tenant,
    );
  }
  return counted;
}

/** Markers of a transaction; with one increment per shard and day and the tenant's check, under 100 items. */
const EMAILS_PER_WRITE = 40;

/**
 * What counting an email needs of its tenant: its time zone (the day an email counts on) and its
 * subscription (its quotas). SES reports every email, one event each, so a send of 10,000 emails
 * read them 10,000 times, a third of the send's table calls: a warm function keeps them a minute.
 * A time zone or plan changed meanwhile applies within that minute; a frozen tenant is refused at
 * once all the same, by the check in the counting transaction.
 */
const MAIL_METER_SETTINGS_MS = 60_000;
interface MailMeterSettings {
  tenant: Tenant;
  subscription: StoredSubscription | undefined;
}
const mailMeterCache = new Map<string, MailMeterSettings & { until: number }>();

async function mailMeterSettings(ctx: TenantContext): Promise<MailMeterSettings | undefined> {
  const cached = mailMeterCache.get(ctx.tenantId);
  const now = ctx.clock.now().getTime();
  if (cached && cached.until > now && cached.until - MAIL_METER_SETTINGS_MS <= now) return cached;
  const [tenantItem, subscriptionItem] = await readTogether(ctx, [
    tenancyKeys.tenant(ctx.tenantId),
    subscriptionKeys.subscription(ctx.tenantId),
  ]);
  if (!tenantItem) return undefined;
  const settings = {
    until: now + MAIL_METER_SETTINGS_MS,
    tenant: toTenant(tenantItem),
    subscription: subscriptionItem ? withoutKeys<StoredSubscription>(subscriptionItem) : undefined,
  };
  // One entry per tenant that sent within the minute; a function serving very many starts over.
  if (mailMeterCache.size >= 10_000) mailMeterCache.clear();
  mailMeterCache.set(ctx.tenantId, settings);
  return settings;
}

/** The items at `keys`, read consistently in one call, in the order of the keys (undefined where none). */
async function readTogether(ctx: TenantContext, keys: ItemKey[]): Promise<Array<Item | undefined>> {
  const items = await getItems(ctx, keys, { consistent: true });
  return keys.map((key) => items.find((item) => item.PK === key.PK && item.SK === key.SK));
}

/**
 * The emails of the month up to `date`: the days the meter recorded before it, and the counters of
 * the days it has not recorded yet (`date` itself, and the day before while its meter has not run),
 * so a block lifted on this count is never lifted on a count that missed the emails that set it.
 */
export async function emailsInMonthTo(ctx: TenantContext, date: string): Promise<number> {
  const month = date.slice(0, 7);
  const recorded = date.endsWith('-01')
    ? []
    : (
        await queryAll(ctx, {
          partition: subscriptionKeys.usage(ctx.tenantId),
          sort: { between: [`DAY#${month}-01`, `DAY#${date}`] },
        })
      ).filter((day) => day.date !== date);
  const recordedDates = new Set(recorded.map((day) => day.date));
  const unrecorded: string[] = [];
  for (let day = date; day.startsWith(month) && !recordedDates.has(day); day = addDays(day, -1))
    unrecorded.push(day);
  return (
    recorded.reduce((sum, day) => sum + (typeof day.emailsSent === 'number' ? day.emailsSent : 0), 0) +
    (await emailsSentOn(ctx, ...unrecorded))
  );
}

/**
 * The markers and the increments, in one transaction that also checks the tenant is neither gone
 * nor leaving: an email reported while its removal runs must not write behind the purge.
 */
async function countEmailsSent(
  ctx: TenantContext,
  emails: ReadonlyArray<{ messageId: string; sentAt: string }>,
  timeZone: string,
): Promise<{ counted: number; dates: string[] } | 'already-counted' | 'leaving'> {
  const uow = unitOfWork(ctx);
  const expiresAt = Math.floor(ctx.clock.now().getTime() / 1000) + MARKER_SECONDS;
  const counters = new Map<string, { shard: number; date: string; emails: number }>();
  for (const { messageId, sentAt } of emails) {
    const date = localDate(new Date(sentAt), timeZone);
    const shard = emailShardOf(messageId);
    uow.put(
      { ...subscriptionKeys.emailCounted(ctx.tenantId, shard, messageId), entity: 'EmailCounted', expiresAt },
      { condition: notExists, onConditionFailed: () => new AlreadyCounted() },
    );
    const counter = counters.get(`${shard}|${date}`) ?? { shard, date, emails: 0 };
    counter.emails++;
    counters.set(`${shard}|${date}`, counter);
  }
  for (const { shard, date, emails: n } of counters.values())
    uow.update(subscriptionKeys.emailsOn(ctx.tenantId, shard, date), {
      set: { entity: 'EmailsSent', date },
      add: { emails: n },
    });
  uow.check(tenancyKeys.tenant(ctx.tenantId), tenantStaying, () => new TenantLeaving());
  try {
    await uow.commit();
  } catch (error) {
    if (error instanceof AlreadyCounted) return 'already-counted';
    if (error instanceof TenantLeaving) return 'leaving';
    throw error;
  }
  return { counted: emails.length, dates: [...new Set([...counters.values()].map((c) => c.date))] };
}

/** Emails the tenant sent on its days `dates` (the shards' counters summed). */
export async function emailsSentOn(ctx: TenantContext, ...dates: string[]): Promise<number> {
  const keys = dates.flatMap((date) =>
    Array.from({ length: EMAIL_SHARDS }, (_, shard) => subscriptionKeys.emailsOn(ctx.tenantId, shard, date)),
  );
  const items = await getItems(ctx, keys);
  return items.reduce((sum, item) => sum + (typeof item.emails === 'number' ? item.emails : 0), 0);
}

/** Contacts the tenant keeps now: a count over the contacts-by-name index. */
export function contactsKept(ctx: TenantContext): Promise<number> {
  return countItems(ctx, { index: 'GSI1', partition: contactKeys.byName(ctx.tenantId) });
}

/** Bytes of the tenant's stored files: the current version of every available document. */
export async function storedBytes(ctx: TenantContext): Promise<number> {
  let bytes = 0;
  for await (const item of queryEach(ctx, { index: 'GSI2', partition: documentKeys.all(ctx.tenantId) }, 500))
    if (item.status === 'available' && typeof item.size === 'number') bytes += item.size;
  return bytes;
}

/**
 * API calls, from the API's access log (a subscription on its log group): each delivered batch
 * writes, per tenant and day, one item holding how many of its lines were that tenant's, keyed by
 * the batch's first line id. A redelivered batch rewrites the same items with the same counts.
 */
export async function recordApiCalls(
  ctx: TenantContext,
  batchId: string,
  instants: readonly number[],
): Promise<void> {
  // Read consistently: a tenant whose deletion was confirmed is leaving, and one removed is gone;
  // their last calls are not metered, so nothing is written under their keys once the removal
  // may have begun.
  const item = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId), { consistent: true });
  const tenant = item ? toTenant(item) : undefined;
  if (!tenant || tenant.status === 'frozen') return;
  const perDay = new Map<string, { calls: number; last: number }>();
  for (const instant of instants) {
    const date = localDate(new Date(instant), tenant.timeZone);
    const day = perDay.get(date);
    perDay.set(date, { calls: (day?.calls ?? 0) + 1, last: Math.max(day?.last ?? 0, instant) });
  }
  // One plain write per day in the batch (1 WCU), not a transaction with a check of the tenant (4
  // WCU, paid on every batch of every tenant): the frozen tenant was refused above, and a batch
  // that lands behind a removal that began since leaves a count that expires by itself.
  for (const [date, { calls, last }] of perDay) {
    const uow = unitOfWork(ctx);
    uow.put({
      ...subscriptionKeys.apiCallBatch(ctx.tenantId, date, batchId),
      entity: 'ApiCalls',
      // The day and the batch in plain attributes too: an export drops the keys.
      date,
      batchId,
      calls,
      expiresAt: Math.floor(last / 1000) + API_CALL_BATCH_DAYS * 86_400,
    });
    await uow.commit();
  }
  // The day's calls so far against the plan's: past the quota, the metered routes answer 429; a
  // block the plan no longer warrants (no quota now, or a larger one) is lifted.
  const subscription = await storedSubscription(ctx);
  const blocked = quotaBlockOf(tenant, 'apiCalls', ctx.clock.now()) !== undefined;
  if (subscription?.plan.quotas.apiCallsPerDay === undefined && !blocked) return;
  await checkQuotas(
    ctx,
    await Promise.all(
      [...perDay.keys()].map(async (date) => ({
        quota: 'apiCallsPerDay' as const,
        used: await apiCallsOn(ctx, date),
        period: date,
      })),
    ),
    tenant,
  );
}

/**
 * Measures again what the tenant's plan blocks on (today's API calls, the month's emails so far)
 * and checks it against the plan it is on now: called when the plan changes, so a larger plan (or
 * one without the quota) lifts a block at once, and a smaller one already used up blocks at once.
 */
export async function recheckQuotas(ctx: TenantContext): Promise<void> {
  const tenant = await getTenant(ctx);
  const today = localDate(ctx.clock.now(), tenant.timeZone);
  const [apiCalls, emails] = await Promise.all([apiCallsOn(ctx, today), emailsInMonthTo(ctx, today)]);
  await checkQuotas(
    ctx,
    [
      { quota: 'apiCallsPerDay', used: apiCalls, period: today },
      { quota: 'emailsPerMonth', used: emails, period: today.slice(0, 7) },
    ],
    tenant,
  );
}

/** API calls the tenant made on its day `date`: the day's batches summed. */
export async function apiCallsOn(ctx: TenantContext, date: string): Promise<number> {
  let calls = 0;
  const spec = { partition: subscriptionKeys.apiCalls(ctx.tenantId), sort: { beginsWith: `DAY#${date}#` } };
  for await (const item of queryEach(ctx, spec, 1000))
    if (typeof item.calls === 'number') calls += item.calls;
  return calls;
}
