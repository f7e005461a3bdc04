import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Role } from '../platform/auth.ts';
import { type Clock, systemClock } from '../platform/clock.ts';
import { tenantContext } from '../platform/context.ts';
import { asTenantId } from '../platform/db/keys.ts';
import { getItem } from '../platform/db/repository.ts';
import { isId } from '../platform/ids.ts';
import type { Authentication } from '../tenancy/api-keys.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { MEMBER_ATTRIBUTE, TENANT_ATTRIBUTE } from './attributes.ts';
import { identityConfig } from './config.ts';
import { identityKeys } from './keys.ts';

/**
 * Verifies a Cognito ID token (aws-jwt-verify: signature against the pool's JWKS, issuer,
 * audience = the console's app client, expiry, `token_use`) and maps it to the same principal an
 * API key gets: the member's tenant, id and *current* role, read from the member item (a role
 * change applies at once, a deactivation within the authorizer cache time).
 *
 * The JWKS is fetched with the platform's fetch rather than the library's https-only client, so
 * the issuer may be the local stand-in's http address; in AWS it is Cognito's https one.
 */
const verifier = JwtVerifier.create(
  {
    issuer: identityConfig.USER_POOL_ISSUER,
    audience: identityConfig.USER_POOL_CLIENT_ID,
    jwksUri: `${identityConfig.USER_POOL_ISSUER}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'id') throw new Error('Send the ID token of the session.');
    },
  },
  {
    jwksCache: new SimpleJwksCache({
      fetcher: {
        fetch: async (uri: string) => {
          const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
          if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
          return response.arrayBuffer();
        },
      },
    }),
  },
);

export function looksLikeJwt(credential: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);
}

export async function authenticateSession(
  token: string,
  clock: Clock = systemClock,
): Promise<Authentication> {
  let claims: Record<string, unknown>;
  try {
    claims = (await verifier.verify(token)) as Record<string, unknown>;
  } catch (error) {
    const expired = (error as { name?: string }).name === 'JwtExpiredError';
    return {
      ok: false,
      reason: expired ? 'The session has expired; sign in again.' : 'The session token is not valid.',
    };
  }
  const tenant = claims[TENANT_ATTRIBUTE];
  const memberId = claims[MEMBER_ATTRIBUTE];
  if (typeof tenant !== 'string' || typeof memberId !== 'string' || !isId(tenant) || !isId(memberId))
    return { ok: false, reason: 'The session token names no member.' };
  const ctx = tenantContext({
    tenantId: asTenantId(tenant),
    actor: { type: 'system', process: 'authorizer' },
    clock,
    fenced: true,
  });
  const [member, login] = await Promise.all([
    getItem(ctx, tenancyKeys.member(ctx.tenantId, memberId), { consistent: true }),
    getItem(ctx, identityKeys.login(ctx.tenantId, memberId), { consistent: true }),
  ]);
  if (!member || !login || login.sub !== claims.sub || login.status !== 'enabled')
    return { ok: false, reason: 'This sign-in no longer belongs to a member.' };
  if (member.status !== 'active') return { ok: false, reason: 'This member was deactivated.' };
  return { ok: true, principal: { tenantId: tenant, memberId, role: member.role as Role } };
}
