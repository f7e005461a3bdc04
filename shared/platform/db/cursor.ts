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

export function invalidCursor(): BadRequestError {
  return new BadRequestError('The cursor is not valid for this list. Start again without a cursor.');
}

/**
 * The start key of the next page. A client can read and re-encode a cursor, so its key is checked
 * as DynamoDB would: exactly the key attributes of the table and of the queried index, all
 * strings, in the queried partition. DynamoDB would refuse any other key with a validation error.
 */
export function decodeCursor(
  tenant: TenantId,
  fingerprint: string,
  cursor: string,
  query: { index?: string | undefined; partition: string },
): Record<string, string> {
  let body: CursorBody;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorBody;
  } catch {
    throw invalidCursor();
  }
  if (!body || typeof body !== 'object' || body.t !== tenant || body.q !== fingerprint) throw invalidCursor();
  if (!body.k || typeof body.k !== 'object' || Array.isArray(body.k)) throw invalidCursor();
  const names = ['PK', 'SK', ...(query.index ? [`${query.index}PK`, `${query.index}SK`] : [])];
  const key = body.k;
  const exact =
    Object.keys(key).length === names.length &&
    names.every((name) => Object.hasOwn(key, name) && typeof key[name] === 'string' && key[name] !== '');
  if (!exact || key[query.index ? `${query.index}PK` : 'PK'] !== query.partition) throw invalidCursor();
  if (!String(key.PK).startsWith(tenantPrefix(tenant))) throw invalidCursor();
  return key as Record<string, string>;
}
