import { describe, expect, it } from 'vitest';
import {
  interleaved,
  median,
  pairedRatio,
  percentile,
  ratio,
  summarize,
  undecided,
} from '../../../bench/stats.ts';

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

describe('ratios taken round by round', () => {
  it('divide each round by the floor measured next to it, so a slow round falls on both sides', () => {
    // Round 3 was slow for both sides: apart it would inflate one side's median, paired it cancels.
    const paired = pairedRatio([12, 13, 36, 12, 13], [10, 10, 30, 10, 10]);
    expect(paired.median).toBeCloseTo(1.2, 5);
    expect(paired.low).toBeCloseTo(1.2, 5);
    expect(paired.high).toBeCloseTo(1.3, 5);
    expect(paired.rounds).toBe(5);
  });

  it('call a verdict undecided while the middle half of the rounds straddles the limit', () => {
    const near = pairedRatio([14, 16, 15, 15], [10, 10, 10, 10]);
    const far = pairedRatio([11, 12, 11, 12], [10, 10, 10, 10]);
    expect(undecided(near, { max: 1.5 })).toBe(true);
    expect(undecided(far, { max: 1.5 })).toBe(false);
    expect(undecided(far, { min: 1.15 })).toBe(true);
  });

  it('refuse sides of different lengths', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow();
  });
});
