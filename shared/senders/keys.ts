import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * A tenant's sender identities: a small set (a few domains and addresses) in one partition, with a
 * guard item per identity name so a tenant cannot register the same one twice. Uniqueness across
 * tenants is SES's: an identity exists once per account and region (see identities.ts).
 */
export const senderKeys = {
  partition: (t: TenantId) => tenantKey(t, 'SENDER-IDENTITIES'),
  identity: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'SENDER-IDENTITIES'), SK: `IDENTITY#${id}` }),
  name: (t: TenantId, identity: string) => ({
    PK: tenantKey(t, 'SENDER-IDENTITIES'),
    SK: `NAME#${identity.toLowerCase()}`,
  }),
};
