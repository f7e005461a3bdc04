import { registerTenantData } from '../platform/tenant-data.ts';

/** Subscriptions' items of a tenant: its subscription, its daily usage and monthly statements. */
registerTenantData('subscriptions', [
  { name: 'subscription', list: { partition: ['SUBSCRIPTION'] } },
  { name: 'usage', list: { partition: ['USAGE'] } },
]);
