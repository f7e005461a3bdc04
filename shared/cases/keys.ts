import { createHash } from 'node:crypto';
import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * A case's partition holds the case and its conversation (`MSG#<id>`, oldest first), so the case
 * page reads both with one query. Lists go through indexes: GSI1 the tenant's cases, GSI2 by
 * status, GSI3 a contact's cases, each newest first (ids are ULIDs). See docs/data-model.md (Cases).
 */
export const caseKeys = {
  partition: (t: TenantId, id: string) => tenantKey(t, 'CASE', id),
  case: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CASE', id), SK: 'CASE' }),
  message: (t: TenantId, caseId: string, messageId: string) => ({
    PK: tenantKey(t, 'CASE', caseId),
    SK: `MSG#${messageId}`,
  }),
  list: (t: TenantId) => tenantKey(t, 'CASES'),
  byStatus: (t: TenantId, status: string) => tenantKey(t, 'CASES-IN', status),
  ofContact: (t: TenantId, contactId: string) => tenantKey(t, 'CASES-OF', contactId),
  /** The tenant's case settings: opening hours and holidays of the SLA clocks. */
  settings: (t: TenantId) => ({ PK: tenantKey(t, 'CASE-SETTINGS'), SK: 'SLA' }),
  /** The per-tenant counter human case numbers come from. */
  counter: (t: TenantId) => ({ PK: tenantKey(t, 'CASE-NUMBERS'), SK: 'COUNTER' }),
  /**
   * One item per RFC 5322 Message-ID seen or sent on a case: the customer's (which also makes a
   * redelivered message a no-op) and ours (which a reply's In-Reply-To names). Keyed by a hash:
   * a Message-ID is up to 998 characters of anything.
   */
  mailRef: (t: TenantId, messageId: string) => ({
    PK: tenantKey(t, 'CASE-MAILREF', mailRefHash(messageId)),
    SK: 'REF',
  }),
  /** GSI1 of the Message-ID items: a case's, for the tenant export and deletion. */
  mailRefsOf: (t: TenantId, caseId: string) => tenantKey(t, 'CASE-MAILREFS', caseId),
};

/**
 * `<local@domain>` compared as mail clients compare it: without angle brackets, the domain in
 * lower case. SES replaces the Message-ID of what it sends with `<ses-id@<region>.amazonses.com>`,
 * and the region part varies, so those are keyed by the SES id alone.
 */
export function normalizeMessageId(messageId: string): string {
  const bare = messageId.trim().replace(/^<|>$/g, '');
  const at = bare.lastIndexOf('@');
  if (at < 0) return bare;
  const domain = bare.slice(at + 1).toLowerCase();
  const local = bare.slice(0, at);
  return /(^|\.)amazonses\.com$/.test(domain) ? `${local}@amazonses.com` : `${local}@${domain}`;
}

export function mailRefHash(messageId: string): string {
  return createHash('sha256').update(normalizeMessageId(messageId)).digest('base64url');
}
