import { inject } from 'vitest';
import { type Clock, fixedClock } from '../../shared/platform/clock.ts';
import { type Actor, type TenantContext, tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { newId } from '../../shared/platform/ids.ts';
import { adoptSignupSender } from '../../shared/senders/identities.ts';
import type { TenantSignup } from '../../shared/tenancy/schema.ts';
import { type SignupResult, signUp } from '../../shared/tenancy/tenants.ts';
import { confirmVerification } from '../../shared/tenancy/verification.ts';
import { signupBody } from './signup-body.ts';
import { confirmSesIdentity, linkMailedTo, TENANT_VERIFICATION_LINK } from './verification.ts';

export interface TestTenant extends SignupResult {
  /** The admin's context, as a request authenticated with the admin key would have. */
  ctx: TenantContext;
  as(actor: Actor, clock?: Clock): TenantContext;
}

/**
 * Signs a new tenant up through the service, as `POST /v1/tenants` does, and (unless
 * `verify: false`) verifies it as its admin would: the link mailed to the admin is read from the
 * mail store and confirmed (what its page's button does), and the sign-up sender's SES link is
 * followed. The tenant may then send email and add members.
 */
export async function newTenant(
  overrides: Partial<TenantSignup> = {},
  at?: string,
  options: { verify?: boolean } = {},
): Promise<TestTenant> {
  const tenantId = asTenantId(newId());
  const clock = at ? fixedClock(at) : undefined;
  const publicCtx = () => tenantContext({ tenantId, actor: { type: 'public' }, ...(clock ? { clock } : {}) });
  const result = await signUp(publicCtx(), signupBody(overrides));
  if (options.verify ?? true) {
    const mailStore = inject('sesEndpoint');
    const link = await linkMailedTo(mailStore, result.admin.email, TENANT_VERIFICATION_LINK);
    const token = link.split('/').at(-1)!;
    const page = await confirmVerification(token, publicCtx, { now: clock?.now() ?? new Date() });
    if (!page.verified) throw new Error(`Verification failed: ${page.html}`);
    await adoptSignupSender(page.verified.ctx, result.tenant.sender.email);
    await confirmSesIdentity(mailStore, result.tenant.sender.email);
    result.tenant = page.verified.tenant;
  }
  const as = (actor: Actor, c?: Clock) =>
    tenantContext({ tenantId, actor, ...((c ?? clock) ? { clock: c ?? clock } : {}) });
  return {
    ...result,
    ctx: as({ type: 'member', memberId: result.admin.id, role: 'admin', keyId: result.apiKey.id }),
    as,
  };
}

export { signupBody };
