import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/** Subscriptions' items (docs/data-model.md, Subscriptions). */
export const subscriptionKeys = {
  /** Plans live in the operator tenant's partition: they are the operator's price list. */
  plans: (op: TenantId) => tenantKey(op, 'PLANS'),
  plan: (op: TenantId, id: string) => ({ PK: tenantKey(op, 'PLANS'), SK: `PLAN#${id}` }),
  subscription: (t: TenantId) => ({ PK: tenantKey(t, 'SUBSCRIPTION'), SK: 'SUBSCRIPTION' }),
  usage: (t: TenantId) => tenantKey(t, 'USAGE'),
  day: (t: TenantId, date: string) => ({ PK: tenantKey(t, 'USAGE'), SK: `DAY#${date}` }),
  statement: (t: TenantId, month: string) => ({ PK: tenantKey(t, 'USAGE'), SK: `MONTH#${month}` }),
};
