import { publicUrl } from '../platform/links.ts';
import { signTenantLink } from '../tenancy/link-keys.ts';
import type { Tenant } from '../tenancy/schema.ts';

/** The link opens personal data and is sent on request, so it is short-lived. */
export const SELF_SERVICE_DAYS = 7;

/**
 * A contact's link, signed with the tenant's current link key; what the API answers and what the
 * `selfServiceLink` merge field of campaigns and automation emails holds (valid from the send).
 */
export async function selfServiceLinkFor(
  tenant: Pick<Tenant, 'id' | 'linkKeys'>,
  contactId: string,
  now: Date,
): Promise<{ url: string; expiresAt: string }> {
  const expiresAt = new Date(now.getTime() + SELF_SERVICE_DAYS * 86_400_000);
  const token = await signTenantLink(tenant, 'self-service', { s: contactId }, expiresAt);
  return { url: publicUrl(`/v1/self-service/${token}`), expiresAt: expiresAt.toISOString() };
}
