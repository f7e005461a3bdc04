import { registerTenantData } from '../platform/tenant-data.ts';
import { EMAIL_SHARDS } from './keys.ts';

/**
 * Subscriptions' items of a tenant: its subscription, its daily usage and monthly statements, the
 * email counters (with their markers, which also expire) and the API calls of access-log batches.
 */
registerTenantData('subscriptions', [
  { name: 'subscription', list: { partition: ['SUBSCRIPTION'] } },
  { name: 'usage', list: { partition: ['USAGE'] } },
  ...Array.from({ length: EMAIL_SHARDS }, (_, shard) => ({
    name: `usage-emails-${shard}`,
    list: { partition: ['USAGE-EMAILS', shard] },
  })),
  { name: 'usage-api-calls', list: { partition: ['USAGE-API'] } },
]);
