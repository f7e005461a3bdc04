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
  /** The open pipeline weighted by win probability, read with the forecast. */
  pipeline: (t: TenantId) => ({ PK: tenantKey(t, 'ANALYTICS'), SK: 'PIPELINE' }),
  model: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'ANALYTICS'), SK: `MODEL#${id}` }),
  /**
   * A deleted model whose scores are still being removed from contacts: its key cannot be taken
   * again until they are gone, so the removal never deletes a new model's scores.
   */
  modelDeletion: (t: TenantId, key: string) => ({
    PK: tenantKey(t, 'ANALYTICS'),
    SK: `MODEL-DELETION#${key}`,
  }),
};
