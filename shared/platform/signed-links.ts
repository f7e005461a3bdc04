import { errors, jwtVerify, SignJWT } from 'jose';
import { linkSecret } from './secrets.ts';

/**
 * Tokens for links that work without a login: a JWT (HS256, via `jose`) whose audience is the
 * link's purpose, so a survey token cannot open a self-service form. Claims are short on purpose:
 * the token travels in a URL.
 */
export type LinkPurpose =
  | 'self-service'
  | 'survey'
  | 'unsubscribe'
  | 'preferences'
  | 'calendar'
  | 'tenant-verification';

export interface LinkClaims {
  /** Tenant id. */
  t: string;
  /** Subject: the contact, invitation or member the link acts for. */
  s: string;
  /** Anything else the link needs (kept small). */
  x?: Record<string, string>;
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'expired' | 'invalid' };

export async function signLink(purpose: LinkPurpose, claims: LinkClaims, expiresAt?: Date): Promise<string> {
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(purpose)
    .setIssuedAt();
  if (expiresAt) jwt.setExpirationTime(Math.floor(expiresAt.getTime() / 1000));
  return jwt.sign(await linkSecret());
}

export async function verifyLink(
  purpose: LinkPurpose,
  token: string,
  now: Date = new Date(),
): Promise<LinkCheck> {
  try {
    const { payload } = await jwtVerify(token, await linkSecret(), {
      audience: purpose,
      algorithms: ['HS256'],
      currentDate: now,
    });
    if (typeof payload.t !== 'string' || typeof payload.s !== 'string')
      return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      claims: { t: payload.t, s: payload.s, x: payload.x as Record<string, string> | undefined },
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    return { ok: false, reason: 'invalid' };
  }
}
