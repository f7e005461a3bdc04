import { type Clock, fixedClock } from '../../shared/platform/clock.ts';
import { type Actor, type TenantContext, tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { newId } from '../../shared/platform/ids.ts';
import type { TenantSignup } from '../../shared/tenancy/schema.ts';
import { type SignupResult, signUp } from '../../shared/tenancy/tenants.ts';

/** A complete sign-up body; `overrides` change what a test cares about. */
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

export interface TestTenant extends SignupResult {
  /** The admin's context, as a request authenticated with the admin key would have. */
  ctx: TenantContext;
  as(actor: Actor, clock?: Clock): TenantContext;
}

/** Signs a new tenant up through the service, as `POST /v1/tenants` does. */
export async function newTenant(overrides: Partial<TenantSignup> = {}, at?: string): Promise<TestTenant> {
  const tenantId = asTenantId(newId());
  const clock = at ? fixedClock(at) : undefined;
  const result = await signUp(
    tenantContext({ tenantId, actor: { type: 'public' }, ...(clock ? { clock } : {}) }),
    signupBody(overrides),
  );
  const as = (actor: Actor, c?: Clock) =>
    tenantContext({ tenantId, actor, ...((c ?? clock) ? { clock: c ?? clock } : {}) });
  return {
    ...result,
    ctx: as({ type: 'member', memberId: result.admin.id, role: 'admin', keyId: result.apiKey.id }),
    as,
  };
}
