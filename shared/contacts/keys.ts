import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * One partition per contact (no hot partition however large the address book), a guard item per
 * email for uniqueness, and GSI1 listing the tenant's contacts by name.
 *
 * The contact's partition is shared: other modules keep their items about the contact there, each
 * under its own sort-key prefix (docs/data-model.md lists them), so everything held about a person
 * is one Query away, which is what export and erasure need. This module's prefixes: `CONTACT`,
 * `TL#` (timeline), `HIST#` (change history), `SCORE#` (analytics' scores, written through
 * contacts/scores.ts) and `IX#` (one index item per tag, phone, extra email
 * and address country, each projected into GSI2).
 *
 * GSI5 and GSI6 stay free on contact items: sales uses them on items of the same partition.
 */
export const contactKeys = {
  partition: (t: TenantId, id: string) => tenantKey(t, 'CONTACT', id),
  /** The tombstone an erasure leaves: that it happened, and when, without the person. */
  erasure: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CONTACT', id), SK: 'ERASED' }),
  /** What a merge leaves of the duplicate: which contact it became, without the person. */
  merged: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CONTACT', id), SK: 'MERGED' }),
  contact: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CONTACT', id), SK: 'CONTACT' }),
  timelineEntry: (t: TenantId, contactId: string, at: string, id: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: `TL#${at}#${id}`,
  }),
  historyEntry: (t: TenantId, contactId: string, id: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: `HIST#${id}`,
  }),
  indexItem: (t: TenantId, contactId: string, kind: string, value: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: `IX#${kind}#${value}`,
  }),
  /** Scores computed by analytics: `SCORE#RFM`, `SCORE#PROPENSITY#<target>`. */
  score: (t: TenantId, contactId: string, kind: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: `SCORE#${kind}`,
  }),
  email: (t: TenantId, email: string) => ({
    PK: tenantKey(t, 'CONTACT-EMAIL', email.toLowerCase()),
    SK: 'GUARD',
  }),
  byName: (t: TenantId) => tenantKey(t, 'CONTACTS'),
  /** GSI1: the tombstones of erased and merged contacts, so that the tenant's removal reaches them. */
  tombstones: (t: TenantId) => tenantKey(t, 'CONTACT-TOMBSTONES'),
  /** GSI3 of merge tombstones: the contacts merged into this one, for work that must follow them. */
  mergedInto: (t: TenantId, id: string) => tenantKey(t, 'CONTACTS-MERGED-INTO', id),
  nameSort: (lastName: string, firstName: string, id: string) =>
    `${lastName.toLowerCase()}#${firstName.toLowerCase()}#${id}`,
  // GSI2..GSI4 partitions of the contact item itself.
  byStage: (t: TenantId, stage: string) => tenantKey(t, 'CONTACTS-IN-STAGE', stage),
  byOwner: (t: TenantId, ownerId: string) => tenantKey(t, 'CONTACTS-OF', ownerId),
  byCompany: (t: TenantId, companyId: string) => tenantKey(t, 'CONTACTS-AT', companyId),
  // GSI2 partitions of index items.
  byTag: (t: TenantId, tag: string) => tenantKey(t, 'CONTACT-TAG', tag),
  byPhone: (t: TenantId, e164: string) => tenantKey(t, 'CONTACT-PHONE', e164),
  byOtherEmail: (t: TenantId, email: string) => tenantKey(t, 'CONTACT-OTHER-EMAIL', email.toLowerCase()),
  byCountry: (t: TenantId, country: string) => tenantKey(t, 'CONTACTS-IN-COUNTRY', country),
  // GSI2 partition of RFM score items.
  byRfmSegment: (t: TenantId, segment: string) => tenantKey(t, 'CONTACTS-IN-RFM', segment),
};

export const companyKeys = {
  partition: (t: TenantId, id: string) => tenantKey(t, 'COMPANY', id),
  company: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'COMPANY', id), SK: 'COMPANY' }),
  historyEntry: (t: TenantId, companyId: string, id: string) => ({
    PK: tenantKey(t, 'COMPANY', companyId),
    SK: `HIST#${id}`,
  }),
  domain: (t: TenantId, domain: string) => ({
    PK: tenantKey(t, 'COMPANY-DOMAIN', domain.toLowerCase()),
    SK: 'GUARD',
  }),
  byName: (t: TenantId) => tenantKey(t, 'COMPANIES'),
};

/** Custom field definitions: a small per-tenant set, read whole. */
export const fieldKeys = {
  partition: (t: TenantId) => tenantKey(t, 'CONTACT-FIELDS'),
  field: (t: TenantId, key: string) => ({ PK: tenantKey(t, 'CONTACT-FIELDS'), SK: `FIELD#${key}` }),
};

/**
 * Activities: one partition each. The calendar finds meetings and scheduled calls by time through
 * GSI2 (everyone's, one partition per month) and GSI3 (one member's, per month), so a window
 * query reads only the months it covers.
 */
export const activityKeys = {
  activity: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'ACTIVITY', id), SK: 'ACTIVITY' }),
  byCompany: (t: TenantId, companyId: string) => tenantKey(t, 'ACTIVITIES-AT', companyId),
  /** GSI4: every activity of the tenant by time (what the tenant registry pages through). */
  all: (t: TenantId) => tenantKey(t, 'ACTIVITIES'),
  calendarMonth: (t: TenantId, month: string) => tenantKey(t, 'CALENDAR', month),
  ownerCalendarMonth: (t: TenantId, ownerId: string, month: string) =>
    tenantKey(t, 'CALENDAR-OF', ownerId, month),
};

/** A member's calendar feed: one item naming the current feed id; deleting it revokes the feed. */
export const calendarFeedKeys = {
  feed: (t: TenantId, memberId: string) => ({ PK: tenantKey(t, 'CALENDAR-FEED', memberId), SK: 'FEED' }),
};

/** An import: its item, the stored CSV chunks and the per-row error report, in one partition. */
export const importKeys = {
  partition: (t: TenantId, id: string) => tenantKey(t, 'IMPORT', id),
  import: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'IMPORT', id), SK: 'IMPORT' }),
  /** GSI1: the tenant's imports, oldest first (what the tenant registry pages through). */
  all: (t: TenantId) => tenantKey(t, 'IMPORTS'),
  chunk: (t: TenantId, id: string, part: number, index: number) => ({
    PK: tenantKey(t, 'IMPORT', id),
    SK: `CHUNK#${String(part).padStart(5, '0')}#${String(index).padStart(5, '0')}`,
  }),
  rowError: (t: TenantId, id: string, line: number) => ({
    PK: tenantKey(t, 'IMPORT', id),
    SK: `ERROR#${String(line).padStart(10, '0')}`,
  }),
  /** Companies an import created by name, so concurrent chunks never create the same one twice. */
  companyByName: (t: TenantId, id: string, name: string) => ({
    PK: tenantKey(t, 'IMPORT', id),
    SK: `COMPANY#${name.toLowerCase()}`,
  }),
};
