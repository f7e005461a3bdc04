import { registerExpiringTenantData, registerTenantData } from '../platform/tenant-data.ts';
import { API_CALL_BATCH_DAYS, EMAIL_SHARDS } from './keys.ts';

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

/**
 * The API calls of an access-log batch are listed (the walk reaches and removes them), and they
 * expire too: metering reads the tenant before it writes one, without a transaction checking it,
 * so a batch that read the tenant just before its removal began can land behind the walk.
 */
registerExpiringTenantData([{ partition: 'USAGE-API', days: API_CALL_BATCH_DAYS }]);
