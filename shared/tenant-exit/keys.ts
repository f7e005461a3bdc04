import { type TenantId, tenantKey } from '../platform/db/keys.ts';

export const exportKeys = {
  export: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'TENANT-EXPORT', id), SK: 'EXPORT' }),
  /** GSI1: the tenant's exports, oldest first. */
  all: (t: TenantId) => tenantKey(t, 'TENANT-EXPORTS'),
};

/** Where an export's files go in the exports bucket: under the tenant, so a deletion removes them. */
export function exportPrefix(t: string, exportId: string): string {
  return `tenant=${t}/exports/${exportId}/`;
}

/** The one-time schedule, per tenant, that removes it if its admin never verifies. */
export const UNVERIFIED_SCHEDULE = 'unverified-removal';
export const unverifiedScheduleName = (tenantId: string) => `${UNVERIFIED_SCHEDULE}-${tenantId}`;

/** The one-time schedule, per tenant, that removes it at the end of its deletion's grace period. */
export const DELETION_SCHEDULE = 'tenant-deletion';
export const deletionScheduleName = (tenantId: string) => `${DELETION_SCHEDULE}-${tenantId}`;
