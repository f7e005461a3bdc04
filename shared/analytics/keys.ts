import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * One partition per tenant holds the latest result of each analysis (small summaries; the
 * per-contact scores live in the contacts' partitions, the rules of a product in its partition).
 */
export const analyticsKeys = {
  partition: (t: TenantId) => tenantKey(t, 'ANALYTICS'),
  rfm: (t: TenantId) => ({ PK: tenantKey(t, 'ANALYTICS'), SK: 'RFM' }),
  basket: (t: TenantId) => ({ PK: tenantKey(t, 'ANALYTICS'), SK: 'BASKET' }),
  forecast: (t: TenantId) => ({ PK: tenantKey(t, 'ANALYTICS'), SK: 'FORECAST' }),
  model: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'ANALYTICS'), SK: `MODEL#${id}` }),
};
