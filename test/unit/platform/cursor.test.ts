import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../../shared/platform/db/cursor.ts';
import { asTenantId } from '../../../shared/platform/db/keys.ts';
import { BadRequestError } from '../../../shared/platform/errors.ts';

const tenantA = asTenantId('01JA0000000000000000000000');
const tenantB = asTenantId('01JB0000000000000000000000');
const lastKey = { PK: `T#${tenantA}#MEMBERS`, SK: 'MEMBER#01X' };
const members = { partition: lastKey.PK };

describe('list cursors', () => {
  it('lead back to where the page ended', () => {
    const q = queryFingerprint({ p: 'members' });
    expect(decodeCursor(tenantA, q, encodeCursor(tenantA, q, lastKey), members)).toEqual(lastKey);
  });

  it('are refused for another tenant', () => {
    const q = queryFingerprint({ p: 'members' });
    expect(() => decodeCursor(tenantB, q, encodeCursor(tenantA, q, lastKey), members)).toThrow(
      BadRequestError,
    );
  });

  it('are refused for another query of the same tenant', () => {
    const cursor = encodeCursor(tenantA, queryFingerprint({ p: 'members' }), lastKey);
    expect(() => decodeCursor(tenantA, queryFingerprint({ p: 'keys' }), cursor, members)).toThrow(
      BadRequestError,
    );
  });

  it('cannot be edited to point into another tenant', () => {
    const q = queryFingerprint({ p: 'members' });
    const forged = Buffer.from(
      JSON.stringify({ t: tenantA, q, k: { PK: `T#${tenantB}#MEMBERS`, SK: 'x' } }),
    ).toString('base64url');
    expect(() => decodeCursor(tenantA, q, forged, members)).toThrow(BadRequestError);
  });

  it('reject garbage with a 400, not a crash', () => {
    expect(() => decodeCursor(tenantA, 'q', 'not-a-cursor', members)).toThrow(BadRequestError);
  });

  it('refuse an edited key that DynamoDB would reject: other attributes, other types, another partition', () => {
    const q = queryFingerprint({ p: 'members' });
    const edited = (k: unknown) => Buffer.from(JSON.stringify({ t: tenantA, q, k })).toString('base64url');
    for (const k of [
      { PK: lastKey.PK, SK: 1 },
      { PK: lastKey.PK },
      { ...lastKey, extra: 'x' },
      { PK: `T#${tenantA}#CONTACTS`, SK: 'x' },
      { PK: lastKey.PK, SK: '' },
      [lastKey.PK, lastKey.SK],
    ])
      expect(() => decodeCursor(tenantA, q, edited(k), members), JSON.stringify(k)).toThrow(BadRequestError);
    const index = { index: 'GSI1', partition: `T#${tenantA}#BY-NAME` };
    const indexKey = { ...lastKey, GSI1PK: index.partition, GSI1SK: 'ada' };
    expect(decodeCursor(tenantA, q, edited(indexKey), index)).toEqual(indexKey);
    expect(() => decodeCursor(tenantA, q, edited(lastKey), index)).toThrow(BadRequestError);
  });
});
