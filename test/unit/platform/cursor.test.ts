import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../../shared/platform/db/cursor.ts';
import { asTenantId } from '../../../shared/platform/db/keys.ts';
import { BadRequestError } from '../../../shared/platform/errors.ts';

const tenantA = asTenantId('01JA0000000000000000000000');
const tenantB = asTenantId('01JB0000000000000000000000');
const lastKey = { PK: `T#${tenantA}#MEMBERS`, SK: 'MEMBER#01X' };

describe('list cursors', () => {
  it('lead back to where the page ended', () => {
    const q = queryFingerprint({ p: 'members' });
    expect(decodeCursor(tenantA, q, encodeCursor(tenantA, q, lastKey))).toEqual(lastKey);
  });

  it('are refused for another tenant', () => {
    const q = queryFingerprint({ p: 'members' });
    expect(() => decodeCursor(tenantB, q, encodeCursor(tenantA, q, lastKey))).toThrow(BadRequestError);
  });

  it('are refused for another query of the same tenant', () => {
    const cursor = encodeCursor(tenantA, queryFingerprint({ p: 'members' }), lastKey);
    expect(() => decodeCursor(tenantA, queryFingerprint({ p: 'keys' }), cursor)).toThrow(BadRequestError);
  });

  it('cannot be edited to point into another tenant', () => {
    const q = queryFingerprint({ p: 'members' });
    const forged = Buffer.from(
      JSON.stringify({ t: tenantA, q, k: { PK: `T#${tenantB}#MEMBERS`, SK: 'x' } }),
    ).toString('base64url');
    expect(() => decodeCursor(tenantA, q, forged)).toThrow(BadRequestError);
  });

  it('reject garbage with a 400, not a crash', () => {
    expect(() => decodeCursor(tenantA, 'q', 'not-a-cursor')).toThrow(BadRequestError);
  });
});
