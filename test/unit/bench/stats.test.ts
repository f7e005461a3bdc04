import { describe, expect, it } from 'vitest';
import { interleaved, median, percentile, ratio, summarize } from '../../../bench/stats.ts';

describe('benchmark statistics', () => {
  it('take the nearest-rank percentile: always a measured sample', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile(sorted, 1)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([3, 7], 0.5)).toBe(3);
    expect(percentile([3, 7], 0.51)).toBe(7);
  });

  it('summarize samples in any order', () => {
    const summary = summarize([5, 1, 4, 2, 3]);
    expect(summary).toEqual({ count: 5, mean: 3, min: 1, p50: 3, p90: 5, p99: 5, max: 5 });
    expect(median([10, 30, 20])).toBe(20);
  });

  it('refuse to summarize nothing and to divide by a zero floor', () => {
    expect(() => summarize([])).toThrow('No samples');
    expect(() => ratio(1, 0)).toThrow('positive');
    expect(ratio(3, 2)).toBe(1.5);
  });

  it('alternate which side of a pair goes first', async () => {
    const order: string[] = [];
    const times = await interleaved(
      4,
      async (i) => {
        order.push(`a${i}`);
      },
      async (i) => {
        order.push(`b${i}`);
      },
    );
    expect(order).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2', 'b3', 'a3']);
    expect(times.a).toHaveLength(4);
    expect(times.b).toHaveLength(4);
  });
});
