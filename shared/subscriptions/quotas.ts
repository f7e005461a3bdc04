import type { TenantContext } from '../platform/context.ts';
import { translator } from '../platform/i18n/translator.ts';
import { renderTextEmail } from '../platform/pages/email.tsx';
import { addDays, zonedTimeToInstant } from '../platform/time.ts';
import { sendMailOnce } from '../tasks/one-time.ts';
import { blockUntil, getTenant, liftBlock, type QuotaBlock, quotaBlockOf } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { seatsOf } from '../tenancy/seats.ts';
import { subscriptionKeys } from './keys.ts';
import type { Quotas } from './schema.ts';
import { storedSubscription } from './stored.ts';

/**
 * What happens as a tenant approaches and passes its plan's quotas (docs/subscriptions.md):
 * at 80 % its admins get a warning email, at 100 % another, each once per quota and period; at
 * 100 % of the month's emails marketing mail stops until the month ends, and at 100 % of the
 * day's API calls the metered routes answer 429 until the tenant's next midnight. Contacts and
 * storage over quota are billed as they are and warned about, never refused: a CRM that loses a
 * customer's enquiry because of a plan limit does more harm than the overage.
 */
export type QuotaName = keyof Quotas;

export interface Measure {
  quota: QuotaName;
  /** In the quota's unit (storage in bytes; the quota is in MB). */
  used: number;
  /** The period the quota counts over: the month (`2026-11`), the day, or the day measured. */
  period: string;
}

export type QuotaLevel = 'warning' | 'reached';

export const WARNING_RATIO = 0.8;
const BYTES_PER_MB = 1_000_000;

const BLOCKS: Partial<Record<QuotaName, QuotaBlock>> = {
  emailsPerMonth: 'emails',
  apiCallsPerDay: 'apiCalls',
};

export function levelOf(used: number, limit: number): QuotaLevel | undefined {
  if (used >= limit) return 'reached';
  if (used >= limit * WARNING_RATIO) return 'warning';
  return undefined;
}

/** When a quota's period ends, in the tenant's time zone: the next midnight, or the next month's first. */
function periodEnd(period: string, timeZone: string): string {
  const next = period.length === 7 ? `${addDays(`${period}-28`, 7).slice(0, 7)}-01` : addDays(period, 1);
  return zonedTimeToInstant(`${next}T00:00`, timeZone).toISOString();
}

/**
 * Compares measures with the tenant's plan; warns, blocks what a reached quota stops, and lifts
 * the block of a measured period whose quota is no longer reached (the tenant was moved to a larger
 * plan, or to one without that quota). `known`: the tenant item the caller just read, if any, to
 * decide on lifting without reading it again (a count under quota is the common case).
 */
export async function checkQuotas(
  ctx: TenantContext,
  measures: Measure[],
  known?: Tenant,
): Promise<Array<Measure & { limit: number; level: QuotaLevel }>> {
  const quotas = (await storedSubscription(ctx))?.plan.quotas ?? {};
  const found: Array<Measure & { limit: number; level: QuotaLevel }> = [];
  const within: Measure[] = [];
  for (const measure of measures) {
    const quota = quotas[measure.quota];
    const limit =
      quota === undefined ? undefined : measure.quota === 'storageMb' ? quota * BYTES_PER_MB : quota;
    const level = limit === undefined ? undefined : levelOf(measure.used, limit);
    if (level) found.push({ ...measure, limit: quota!, level });
    if (level !== 'reached' && BLOCKS[measure.quota]) within.push(measure);
  }
  if (found.length === 0 && within.length === 0) return found;
  const tenant = found.length > 0 || !known ? await getTenant(ctx) : known;
  const now = ctx.clock.now();
  for (const measure of within) {
    const block = BLOCKS[measure.quota]!;
    const until = periodEnd(measure.period, tenant.timeZone);
    if (quotaBlockOf(tenant, block, now) === until) await liftBlock(ctx, block, until);
  }
  for (const over of found) {
    const block = BLOCKS[over.quota];
    if (over.level === 'reached' && block) {
      const until = periodEnd(over.period, tenant.timeZone);
      if (quotaBlockOf(tenant, block, now) !== until) await blockUntil(ctx, block, until);
    }
    await noticeOnce(ctx, over);
  }
  return found;
}

/** The admins' email about one quota at one level, once per period (guarded per admin). */
async function noticeOnce(ctx: TenantContext, over: Measure & { limit: number; level: QuotaLevel }) {
  const [tenant, seats] = await Promise.all([getTenant(ctx), seatsOf(ctx)]);
  const i18n = await translator(tenant.locale);
  const values = { quota: over.quota, limit: over.limit, period: over.period };
  const text = [
    i18n.t(over.level === 'reached' ? 'subscriptions.quota.reached' : 'subscriptions.quota.warning', values),
    i18n.t('subscriptions.quota.effect', values),
  ].join('\n\n');
  const html = renderTextEmail({ lang: i18n.locale, brand: tenant.name, footer: [tenant.name] }, text);
  for (const admin of seats.active.filter((m) => m.role === 'admin')) {
    await sendMailOnce(
      ctx,
      subscriptionKeys.quotaNotice(ctx.tenantId, over.quota, over.period, over.level, admin.id),
      {
        category: 'transactional',
        sender: { name: tenant.sender.name, email: tenant.sender.email },
        to: admin.email,
        subject: i18n.t('subscriptions.quota.subject', { ...values, level: over.level }),
        text,
        html,
        tags: { kind: 'quota-notice', quota: over.quota },
      },
    );
  }
}
