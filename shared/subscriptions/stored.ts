import type { TenantContext } from '../platform/context.ts';
import { getItem, queryAll, withoutKeys } from '../platform/db/repository.ts';
import { subscriptionKeys } from './keys.ts';
import type { Plan } from './schema.ts';

/**
 * A tenant's subscription: the plan it is on, with the plan's terms copied at assignment, so the
 * operator's later edits of the plan reach a tenant only when the plan is assigned again. Apart
 * from the service (subscriptions.ts) because metering and quotas read it, and the service
 * measures usage when a plan changes.
 */
export interface StoredSubscription {
  planId: string;
  plan: Plan;
  since: string;
  /** The tenant's customer record in the operator tenant, once its first statement was invoiced. */
  operatorContactId?: string;
}

export async function storedSubscription(ctx: TenantContext): Promise<StoredSubscription | undefined> {
  const item = await getItem(ctx, subscriptionKeys.subscription(ctx.tenantId), { consistent: true });
  return item ? withoutKeys<StoredSubscription>(item) : undefined;
}

/**
 * A stretch of time on one plan's terms, from `from` until the next period's `from`: kept for
 * every assignment that changed the terms, so a month is billed at the plan in force each day
 * (metering.ts), not all of it at the plan in force when it closes.
 */
export interface PlanPeriod {
  planId: string;
  plan: Plan;
  from: string;
}

/**
 * The tenant's plan periods, oldest first. A subscription from before periods were kept, never
 * reassigned since, has none: its one period is the subscription itself.
 */
export async function planPeriods(
  ctx: TenantContext,
  subscription: StoredSubscription,
): Promise<PlanPeriod[]> {
  const items = await queryAll(ctx, {
    partition: subscriptionKeys.periods(ctx.tenantId),
    sort: { beginsWith: 'PERIOD#' },
    consistent: true,
  });
  const periods = items.map((item) => withoutKeys<PlanPeriod>(item));
  return periods.length > 0
    ? periods
    : [{ planId: subscription.planId, plan: subscription.plan, from: subscription.since }];
}
