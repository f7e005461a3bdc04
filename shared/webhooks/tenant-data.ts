import { registerExpiringTenantData, registerSecrets, registerTenantData } from '../platform/tenant-data.ts';

/**
 * An endpoint's partition and its deliveries (listed by its log); deliveries of a deleted
 * endpoint are listed nowhere and expire after 30 days.
 */
registerTenantData('webhooks', [
  {
    name: 'webhook-endpoints',
    list: { index: 'GSI1', partition: ['WEBHOOKS'] },
    related: (item) => ({
      listings:
        item.entity === 'WebhookEndpoint'
          ? [{ index: 'GSI1', partition: ['WEBHOOK-LOG', String(item.id)] }]
          : [],
    }),
  },
  { name: 'webhook-count', list: { partition: ['WEBHOOKS'] } },
]);

registerExpiringTenantData([{ partition: 'WEBHOOK-DELIVERY', days: 30 }]);

registerSecrets('WebhookEndpoint', ['secrets']);
