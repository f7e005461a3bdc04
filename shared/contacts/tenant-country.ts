import type { TenantContext } from '../platform/context.ts';
import { getTenant } from '../tenancy/records.ts';

/**
 * The country of phone numbers typed without a country code: the tenant's address. A module of
 * its own so that contacts load it lazily (service.ts) and the import keeps only this function.
 */
export async function tenantCountry(ctx: TenantContext): Promise<string> {
  return (await getTenant(ctx)).postalAddress.country;
}
