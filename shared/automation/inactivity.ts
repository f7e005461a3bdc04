import type { TenantContext } from '../platform/context.ts';
import { getItem, queryEach, unitOfWork } from '../platform/db/repository.ts';
import { addDays, localDate } from '../platform/time.ts';
import { getTenant } from '../tenancy/records.ts';
import { enqueueFirings } from './engine.ts';
import { automationKeys, INACTIVITY_KEY } from './keys.ts';
import { rulesStartedBy } from './rules.ts';
import type { AutomationRule, Firing } from './schema.ts';

/**
 * Inactivity triggers ("no purchase for 90 days"), run by the tenant's daily job. Sales keeps each
 * contact's last purchase date on GSI5 (`T#<t>#LAST-PURCHASE` / `<date>#<contactId>`), so the
 * customers who just crossed N days are one range query: last purchase dates from the day after
 * the last window processed up to today − N. The cost follows the number of matches, a missed day
 * is caught up by the next run, and each (rule, contact, last purchase date) fires once.
 */
const BATCH = 100;

export interface InactivityReport {
  ruleId: string;
  from?: string;
  through: string;
  matched: number;
}

export async function runInactivityRules(ctx: TenantContext, asOf: Date): Promise<InactivityReport[]> {
  const rules = await rulesStartedBy(ctx, INACTIVITY_KEY);
  if (rules.length === 0) return [];
  const tenant = await getTenant(ctx);
  const today = localDate(asOf, tenant.timeZone);
  const reports: InactivityReport[] = [];
  for (const rule of rules) reports.push(await runRule(ctx, rule, today, asOf));
  return reports;
}

async function runRule(
  ctx: TenantContext,
  rule: AutomationRule,
  today: string,
  asOf: Date,
): Promise<InactivityReport> {
  if (rule.trigger.type !== 'inactivity') return { ruleId: rule.id, through: today, matched: 0 };
  const days = rule.trigger.days;
  const through = addDays(today, -days);
  const cursor = await getItem(ctx, automationKeys.inactivityCursor(ctx.tenantId, rule.id), {
    consistent: true,
  });
  // A rule (or a changed number of days) starts with the day that crosses today, not the backlog.
  const from =
    cursor && cursor.days === days && typeof cursor.through === 'string'
      ? addDays(cursor.through, 1)
      : through;
  if (from > through) return { ruleId: rule.id, through, matched: 0 };
  let batch: Firing[] = [];
  let matched = 0;
  for await (const item of queryEach(ctx, {
    index: 'GSI5',
    partition: automationKeys.lastPurchase(ctx.tenantId),
    sort: { between: [`${from}#`, `${through}#~`] },
  })) {
    const contactId = String(item.contactId);
    const lastPurchaseDate = String(item.lastPurchaseDate);
    batch.push({
      tenantId: ctx.tenantId,
      ruleId: rule.id,
      occurrence: `inactivity#${contactId}#${lastPurchaseDate}`,
      trigger: { type: 'inactivity', at: asOf.toISOString(), contactId, fields: { lastPurchaseDate, days } },
    });
    matched++;
    if (batch.length >= BATCH) {
      await enqueueFirings(batch);
      batch = [];
    }
  }
  await enqueueFirings(batch);
  await unitOfWork(ctx)
    .put({
      ...automationKeys.inactivityCursor(ctx.tenantId, rule.id),
      entity: 'AutomationInactivityCursor',
      through,
      days,
      ranAt: ctx.clock.now().toISOString(),
    })
    .commit();
  return { ruleId: rule.id, from, through, matched };
}
