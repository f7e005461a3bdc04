/**
 * The numbers the harness reports, computed the same way for a case and for its floor. Pure, so
 * test/unit/bench/stats.test.ts pins them down.
 */
export interface Summary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The nearest-rank percentile (the smallest sample with at least `q` of the samples at or below
 * it): always a measured value, never an interpolation between two.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('No samples.');
  if (q <= 0) return sorted[0]!;
  if (q >= 1) return sorted[sorted.length - 1]!;
  return sorted[Math.ceil(q * sorted.length) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
    min: percentile(sorted, 0),
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
  };
}

export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    0.5,
  );
}

/** How many times the floor a measure is; rounded for reading, not for deciding. */
export function ratio(measured: number, floor: number): number {
  if (floor <= 0) throw new Error(`A floor must be positive, got ${floor}.`);
  return measured / floor;
}

/**
 * Runs `a` and `b` in pairs, alternating which goes first, so drifts of a shared machine (other
 * processes, garbage collection, the database's own caches) fall on both sides alike.
 */
export async function interleaved(
  pairs: number,
  a: (i: number) => Promise<void>,
  b: (i: number) => Promise<void>,
  onPair: (i: number) => void = () => undefined,
): Promise<{ a: number[]; b: number[] }> {
  const times = { a: [] as number[], b: [] as number[] };
  const timed = async (run: (i: number) => Promise<void>, into: number[], i: number) => {
    const start = performance.now();
    await run(i);
    into.push(performance.now() - start);
  };
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      await timed(a, times.a, i);
      await timed(b, times.b, i);
    } else {
      await timed(b, times.b, i);
      await timed(a, times.a, i);
    }
    onPair(i);
  }
  return times;
}
