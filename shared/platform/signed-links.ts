import { hkdf } from 'node:crypto';
import type * as Jose from 'jose';
import { linkSecret } from './secrets.ts';

/**
 * Tokens for links that work without a login: a JWT (HS256, via `jose`) whose audience is the
 * link's purpose, so a survey token cannot open a self-service form. Claims are short on purpose:
 * the token travels in a URL.
 *
 * Each tenant signs with its own key, derived (HKDF-SHA256) from the stack's link secret, the
 * tenant id and a key generation the tenant item holds; the token names its generation in `kid`.
 * No key is ever stored: rotating a tenant's links is writing a new generation number
 * (shared/tenancy/link-keys.ts), after which tokens of older generations fail, once the overlap
 * the tenant chose has passed. Tokens without a `kid` were signed with the stack secret itself
 * before per-tenant keys existed: they verify with that secret and are accepted as long as
 * generation 1 is, so the tenant's first rotation retires them with the same overlap.
 */
export type LinkPurpose =
  | 'self-service'
  | 'survey'
  | 'unsubscribe'
  | 'preferences'
  | 'calendar'
  | 'tenant-verification'
  | 'tenant-deletion';

export interface LinkClaims {
  /** Tenant id. */
  t: string;
  /** Subject: the contact, invitation or member the link acts for. */
  s: string;
  /** Anything else the link needs (kept small). */
  x?: Record<string, string>;
}

/** Which generations of a tenant's key are accepted now. */
export interface LinkKeyring {
  tenantId: string;
  /** The generation new links are signed with. */
  current: number;
  /** The generation before it, accepted until `until` (for ever when absent). */
  previous?: { generation: number; until?: string };
}

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  /** `claims` of a genuine token that expired or was retired: who it was for, to say so in their language. */
  | { ok: false; reason: 'expired' | 'invalid' | 'revoked'; claims?: LinkClaims };

function claimsOf(payload: Record<string, unknown>): LinkClaims | undefined {
  if (typeof payload.t !== 'string' || typeof payload.s !== 'string') return undefined;
  return { t: payload.t, s: payload.s, x: payload.x as Record<string, string> | undefined };
}

const LEGACY_GENERATION = 0;
const KEY_CACHE_SIZE = 500;
const keys = new Map<string, Uint8Array>();

async function tenantKey(tenantId: string, generation: number): Promise<Uint8Array> {
  const secret = await linkSecret();
  if (generation === LEGACY_GENERATION) return secret;
  const id = `${tenantId}#${generation}`;
  const cached = keys.get(id);
  if (cached) return cached;
  const derived = await new Promise<Uint8Array>((resolve, reject) =>
    hkdf(
      'sha256',
      secret,
      'funnel-crm link keys',
      `tenant:${tenantId}:generation:${generation}`,
      32,
      (e, k) => (e ? reject(e) : resolve(new Uint8Array(k))),
    ),
  );
  if (keys.size >= KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
  keys.set(id, derived);
  return derived;
}

let joseLoaded: Promise<typeof Jose> | undefined;

/**
 * jose (12 to 19 KB minified) is loaded by the first link signed or opened, not at the cold start
 * of every function that can mail a link (split bundles make it a chunk of its own).
 */
function loadJose(): Promise<typeof Jose> {
  joseLoaded ??= import('jose');
  return joseLoaded;
}

export async function signLink(
  purpose: LinkPurpose,
  claims: LinkClaims,
  generation: number,
  expiresAt?: Date,
): Promise<string> {
  const { SignJWT } = await loadJose();
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: `g${generation}` })
    .setAudience(purpose)
    .setIssuedAt();
  if (expiresAt) jwt.setExpirationTime(Math.floor(expiresAt.getTime() / 1000));
  return jwt.sign(await tenantKey(claims.t, generation));
}

/**
 * The tenant a token says it is for, before it is verified: only to find the tenant's keyring,
 * which then decides. Undefined for anything that is not a JWT naming a tenant.
 */
export async function claimedTenant(token: string): Promise<string | undefined> {
  const { decodeJwt } = await loadJose();
  try {
    const t = decodeJwt(token).t;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

function generationOf({ decodeProtectedHeader }: typeof Jose, token: string): number | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    if (kid === undefined) return LEGACY_GENERATION;
    return typeof kid === 'string' && /^g[1-9]\d{0,8}$/.test(kid) ? Number(kid.slice(1)) : undefined;
  } catch {
    return undefined;
  }
}

function accepted(keyring: LinkKeyring, signedWith: number, now: Date): boolean {
  const generation = signedWith === LEGACY_GENERATION ? 1 : signedWith;
  if (generation === keyring.current) return true;
  const previous = keyring.previous;
  if (previous?.generation !== generation) return false;
  return previous.until === undefined || now.getTime() < Date.parse(previous.until);
}

export async function verifyLink(
  purpose: LinkPurpose,
  token: string,
  keyring: LinkKeyring | undefined,
  now: Date = new Date(),
): Promise<LinkCheck> {
  const jose = await loadJose();
  const generation = generationOf(jose, token);
  // A generation the tenant never reached was never issued.
  if (
    generation === undefined ||
    !keyring ||
    generation > keyring.current ||
    (await claimedTenant(token)) !== keyring.tenantId
  )
    return { ok: false, reason: 'invalid' };
  try {
    const { payload } = await jose.jwtVerify(token, await tenantKey(keyring.tenantId, generation), {
      audience: purpose,
      algorithms: ['HS256'],
      currentDate: now,
    });
    const claims = claimsOf(payload);
    if (!claims) return { ok: false, reason: 'invalid' };
    // Genuine, but signed with a key the tenant has retired since.
    if (!accepted(keyring, generation, now)) return { ok: false, reason: 'revoked', claims };
    return { ok: true, claims };
  } catch (error) {
    // jose checks the signature before the expiry: an expired token is a genuine one.
    if (error instanceof jose.errors.JWTExpired) {
      const claims = claimsOf(error.payload);
      return { ok: false, reason: 'expired', ...(claims ? { claims } : {}) };
    }
    return { ok: false, reason: 'invalid' };
  }
}
