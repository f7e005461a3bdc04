import { decodeTime } from 'ulidx';
import { describe, expect, it } from 'vitest';
import { isId, newId } from '../../../shared/platform/ids.ts';

describe('newId', () => {
  it('makes valid ULIDs of the current time, strictly increasing within a process', () => {
    const before = Date.now();
    const ids = Array.from({ length: 10_000 }, () => newId());
    expect(ids.every(isId)).toBe(true);
    expect(decodeTime(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(ids.at(-1)!)).toBeLessThanOrEqual(Date.now());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every character of the random part about equally, across refills of its random pool', () => {
    // Ids made in different milliseconds each draw 16 fresh characters (within one millisecond
    // the monotonic factory increments instead); 500 ids draw 8,000 bytes, two 4 KB pools.
    const counts = new Map<string, number>();
    let last = '';
    let drawn = 0;
    while (drawn < 500) {
      const id = newId();
      const time = id.slice(0, 10);
      if (time === last) continue;
      last = time;
      drawn++;
      for (const char of id.slice(10)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(32);
    const expected = (drawn * 16) / 32;
    for (const count of counts.values()) expect(Math.abs(count - expected)).toBeLessThan(expected * 0.25);
  });
});
