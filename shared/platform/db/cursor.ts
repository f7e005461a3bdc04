import { createHash } from 'node:crypto';
import { BadRequestError } from '../errors.ts';
import { type TenantId, tenantPrefix } from './keys.ts';

/**
 * An opaque list cursor: the last evaluated key, bound to the tenant and to the query that produced
 * it. A cursor from another tenant or another query (other filter, other index) is refused with 400.
 * No signature is needed: the key condition of the query keeps any edited cursor inside the same
 * tenant's partition, so the binding checks are what matter.
 */
interface CursorBody {
  t: string;
  q: string;
  k: Record<string, unknown>;
}

export function queryFingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

export function encodeCursor(
  tenant: TenantId,
  fingerprint: string,
  lastKey: Record<string, unknown>,
): string {
  const body: CursorBody = { t: tenant, q: fingerprint, k: lastKey };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(tenant: TenantId, fingerprint: string, cursor: string): Record<string, unknown> {
  const invalid = () =>
    new BadRequestError('The cursor is not valid for this list. Start again without a cursor.');
  let body: CursorBody;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorBody;
  } catch {
    throw invalid();
  }
  if (!body || typeof body !== 'object' || body.t !== tenant || body.q !== fingerprint) throw invalid();
  if (!body.k || typeof body.k !== 'object') throw invalid();
  const prefix = tenantPrefix(tenant);
  for (const [name, value] of Object.entries(body.k)) {
    if (typeof value !== 'string' && typeof value !== 'number') throw invalid();
    if ((name === 'PK' || /^GSI\dPK$/.test(name)) && !String(value).startsWith(prefix)) throw invalid();
  }
  return body.k;
}
