import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/** Subscriptions' items (docs/data-model.md, Subscriptions). */
export const subscriptionKeys = {
  /** Plans live in the operator tenant's partition: they are the operator's price list. */
  plans: (op: TenantId) => tenantKey(op, 'PLANS'),
  plan: (op: TenantId, id: string) => ({ PK: tenantKey(op, 'PLANS'), SK: `PLAN#${id}` }),
  subscription: (t: TenantId) => ({ PK: tenantKey(t, 'SUBSCRIPTION'), SK: 'SUBSCRIPTION' }),
  /** The terms the tenant was on from an instant on: one per assignment that changed them. */
  periods: (t: TenantId) => tenantKey(t, 'SUBSCRIPTION'),
  period: (t: TenantId, from: string) => ({ PK: tenantKey(t, 'SUBSCRIPTION'), SK: `PERIOD#${from}` }),
  usage: (t: TenantId) => tenantKey(t, 'USAGE'),
  day: (t: TenantId, date: string) => ({ PK: tenantKey(t, 'USAGE'), SK: `DAY#${date}` }),
  statement: (t: TenantId, month: string) => ({ PK: tenantKey(t, 'USAGE'), SK: `MONTH#${month}` }),
  /**
   * Emails sent, counted from SES's Send events into EMAIL_SHARDS partitions per tenant (a
   * campaign's burst spreads over them), each holding a counter per day and a marker per message
   * counted (so a redelivered event counts nothing twice).
   */
  emailShard: (t: TenantId, shard: number) => tenantKey(t, 'USAGE-EMAILS', shard),
  emailsOn: (t: TenantId, shard: number, date: string) => ({
    PK: tenantKey(t, 'USAGE-EMAILS', shard),
    SK: `DAY#${date}`,
  }),
  emailCounted: (t: TenantId, shard: number, messageId: string) => ({
    PK: tenantKey(t, 'USAGE-EMAILS', shard),
    SK: `MSG#${messageId}`,
  }),
  /** The guard of one quota email to one admin: once per quota, period and level. */
  quotaNotice: (t: TenantId, quota: string, period: string, level: string, memberId: string) => ({
    PK: tenantKey(t, 'USAGE'),
    SK: `NOTICE#${quota}#${period}#${level}#${memberId}`,
  }),
  /**
   * API calls: one item per access-log batch and day that held some of the tenant's lines
   * (usage.ts). A batch a second at most per tenant: one partition takes it.
   */
  apiCalls: (t: TenantId) => tenantKey(t, 'USAGE-API'),
  apiCallBatch: (t: TenantId, date: string, batchId: string) => ({
    PK: tenantKey(t, 'USAGE-API'),
    SK: `DAY#${date}#BATCH#${batchId}`,
  }),
};

export const EMAIL_SHARDS = 8;

/**
 * Days an access-log batch's count is kept after the calls it counts: the daily meter reads it
 * into the day's usage just after the tenant's midnight, and a week more covers a meter that
 * failed and ran again.
 */
export const API_CALL_BATCH_DAYS = 8;

/** Stable shard of a message: SES redelivers an event with the same message id. */
export function emailShardOf(messageId: string): number {
  let hash = 0;
  for (let i = 0; i < messageId.length; i++) hash = (hash * 31 + messageId.charCodeAt(i)) | 0;
  return Math.abs(hash) % EMAIL_SHARDS;
}
