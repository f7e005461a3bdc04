import type { TenantContext } from '../platform/context.ts';
import { getItem, withoutKeys } from '../platform/db/repository.ts';
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
