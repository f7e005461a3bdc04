import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * One partition per contact (no hot partition however large the address book), a guard item per
 * email for uniqueness, and GSI1 listing the tenant's contacts by name.
 * See docs/data-model.md (Contacts).
 */
export const contactKeys = {
  contact: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CONTACT', id), SK: 'CONTACT' }),
  email: (t: TenantId, email: string) => ({
    PK: tenantKey(t, 'CONTACT-EMAIL', email.toLowerCase()),
    SK: 'GUARD',
  }),
  byName: (t: TenantId) => tenantKey(t, 'CONTACTS'),
  nameSort: (lastName: string, firstName: string, id: string) =>
    `${lastName.toLowerCase()}#${firstName.toLowerCase()}#${id}`,
};
