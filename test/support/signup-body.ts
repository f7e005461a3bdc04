import { newId } from '../../shared/platform/ids.ts';
import type { TenantSignup } from '../../shared/tenancy/schema.ts';

/**
 * A complete sign-up body; `overrides` change what a test cares about. Apart from tenants.ts so
 * that end-to-end suites can use it without importing the services (and their AWS clients, which
 * would then point at the test run's emulators instead of the local runtime's).
 */
export function signupBody(overrides: Partial<TenantSignup> = {}): TenantSignup {
  const unique = newId().toLowerCase();
  return {
    name: `Acme ${unique.slice(-6)}`,
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    sender: { name: 'Acme', email: `hello-${unique}@acme.example` },
    postalAddress: { lines: ['1 Rue de la Paix'], city: 'Paris', postalCode: '75002', country: 'FR' },
    financeEmail: `finance-${unique}@acme.example`,
    admin: { name: 'Ada Admin', email: `ada-${unique}@acme.example` },
    locale: 'en-US',
    ...overrides,
  };
}
