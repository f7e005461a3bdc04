import type { Tenant } from './schema.ts';

/** The tenant's postal address as lines (letters, print views, mail footers). */
export function addressLines(tenant: Pick<Tenant, 'postalAddress'>): string[] {
  const a = tenant.postalAddress;
  return [
    ...a.lines,
    [a.postalCode, a.city].filter(Boolean).join(' '),
    ...(a.region ? [a.region] : []),
    a.country,
  ].filter(Boolean);
}

/** The same on one line: "1 Rue de la Paix, 75002 Paris, FR". */
export function postalAddressLine(tenant: Pick<Tenant, 'postalAddress'>): string {
  return addressLines(tenant).join(', ');
}
