import { readEnv, required } from '../platform/config.ts';
import { asTenantId, type TenantId } from '../platform/db/keys.ts';
import { isId } from '../platform/ids.ts';

/**
 * The support address scheme (docs/contact-centre.md, Addresses). Every tenant has one address on
 * the inbound domain the stack receives mail for, named after the tenant's id, so that the inbound
 * function finds the tenant from the address alone (no lookup table, nothing to keep unique):
 *
 *   support address  <tenant id>@<inbound domain>
 *   case reply-to    <tenant id>+<case id>@<inbound domain>
 *
 * Ids are ULIDs in lower case (mail clients and MTAs often fold local parts). The case id in the
 * reply-to address threads a reply whose client dropped In-Reply-To and References; it is random
 * enough (80 bits) that a stranger cannot post onto someone else's case by guessing it.
 */
let domain: string | undefined;

/** Read at first use: the local SMTP listener imports the parser before the runtime's environment is set. */
export function inboundDomain(): string {
  domain ??= readEnv({ INBOUND_MAIL_DOMAIN: required() }).INBOUND_MAIL_DOMAIN.toLowerCase();
  return domain;
}

export function supportAddress(tenant: TenantId): string {
  return `${tenant.toLowerCase()}@${inboundDomain()}`;
}

export function caseReplyAddress(tenant: TenantId, caseId: string): string {
  return `${tenant.toLowerCase()}+${caseId.toLowerCase()}@${inboundDomain()}`;
}

export interface SupportRecipient {
  tenantId: TenantId;
  caseId?: string;
}

/** The tenant (and case) an address on the inbound domain names, or undefined for any other. */
export function parseSupportAddress(
  address: string,
  onDomain: string = inboundDomain(),
): SupportRecipient | undefined {
  const match = /^([0-9a-z]{26})(?:\+([0-9a-z]{26}))?@(.+)$/i.exec(address.trim());
  if (!match || match[3]!.toLowerCase() !== onDomain.toLowerCase()) return undefined;
  const tenant = match[1]!.toUpperCase();
  const caseId = match[2]?.toUpperCase();
  if (!isId(tenant) || (caseId !== undefined && !isId(caseId))) return undefined;
  return { tenantId: asTenantId(tenant), ...(caseId ? { caseId } : {}) };
}
