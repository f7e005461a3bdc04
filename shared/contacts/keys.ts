import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * One partition per contact (no hot partition however large the address book), a guard item per
 * email for uniqueness, and GSI1 listing the tenant's contacts by name.
 *
 * The contact's partition is shared: other modules keep their items about the contact there, each
 * under its own sort-key prefix (docs/data-model.md lists them), so everything held about a person
 * is one Query away, which is what export and erasure need.
 */
export const contactKeys = {
  partition: (t: TenantId, id: string) => tenantKey(t, 'CONTACT', id),
  contact: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CONTACT', id), SK: 'CONTACT' }),
  timelineEntry: (t: TenantId, contactId: string, at: string, id: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: `TL#${at}#${id}`,
  }),
  email: (t: TenantId, email: string) => ({
    PK: tenantKey(t, 'CONTACT-EMAIL', email.toLowerCase()),
    SK: 'GUARD',
  }),
  byName: (t: TenantId) => tenantKey(t, 'CONTACTS'),
  nameSort: (lastName: string, firstName: string, id: string) =>
    `${lastName.toLowerCase()}#${firstName.toLowerCase()}#${id}`,
};

export const companyKeys = {
  company: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'COMPANY', id), SK: 'COMPANY' }),
  domain: (t: TenantId, domain: string) => ({
    PK: tenantKey(t, 'COMPANY-DOMAIN', domain.toLowerCase()),
    SK: 'GUARD',
  }),
  byName: (t: TenantId) => tenantKey(t, 'COMPANIES'),
};
