import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/** Tenancy's items; see docs/data-model.md (Tenancy). Member and key partitions stay small. */
export const tenancyKeys = {
  tenant: (t: TenantId) => ({ PK: tenantKey(t, 'TENANT'), SK: 'TENANT' }),
  members: (t: TenantId) => tenantKey(t, 'MEMBERS'),
  member: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'MEMBERS'), SK: `MEMBER#${id}` }),
  memberEmail: (t: TenantId, email: string) => ({
    PK: tenantKey(t, 'MEMBERS'),
    SK: `EMAIL#${email.toLowerCase()}`,
  }),
  /** The seat cap and the version every addition of a member bumps (shared/tenancy/seats.ts). */
  seats: (t: TenantId) => ({ PK: tenantKey(t, 'MEMBERS'), SK: 'SEATS' }),
  apiKeys: (t: TenantId) => tenantKey(t, 'APIKEYS'),
  apiKey: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'APIKEYS'), SK: `KEY#${id}` }),
  audit: (t: TenantId) => tenantKey(t, 'AUDIT'),
  auditEntry: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'AUDIT'), SK: id }),
};
