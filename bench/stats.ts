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
 * Runs every side once per round, each round starting with the next side, so drifts of a shared
 * machine (other processes, garbage collection, the database's own caches) fall on all sides alike.
 * Returns each side's times, in milliseconds.
 */
export async function rotated(
  rounds: number,
  sides: ReadonlyArray<(round: number) => Promise<void>>,
  onRound: (round: number) => void = () => undefined,
): Promise<number[][]> {
  const times = sides.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < sides.length; k++) {
      const side = (round + k) % sides.length;
      const start = performance.now();
      await sides[side]!(round);
      times[side]!.push(performance.now() - start);
    }
    onRound(round);
  }
  return times;
}

/** `rotated` for two sides: the product and its floor. */
export async function interleaved(
  pairs: number,
  a: (i: number) => Promise<void>,
  b: (i: number) => Promise<void>,
  onPair: (i: number) => void = () => undefined,
): Promise<{ a: number[]; b: number[] }> {
  const [timesA, timesB] = await rotated(pairs, [a, b], onPair);
  return { a: timesA!, b: timesB! };
}

/** A ratio taken round by round, and how far the rounds spread around it. */
export interface PairedRatio {
  /** The median of the rounds' ratios: the figure a budget is checked against. */
  median: number;
  /** The lower and upper quartiles of the rounds' ratios (nearest rank). */
  low: number;
  high: number;
  rounds: number;
}

/**
 * The ratio of two sides measured side by side, round by round: each round's product divided by
 * the floor measured next to it, so a slow moment of a shared machine falls on both halves of a
 * ratio instead of on one side's median.
 */
export function pairedRatio(measured: readonly number[], floor: readonly number[]): PairedRatio {
  if (measured.length !== floor.length || measured.length === 0)
    throw new Error('A paired ratio needs as many rounds on each side, and at least one.');
  const ratios = measured.map((m, i) => ratio(m, floor[i]!)).sort((a, b) => a - b);
  return {
    median: percentile(ratios, 0.5),
    low: percentile(ratios, 0.25),
    high: percentile(ratios, 0.75),
    rounds: ratios.length,
  };
}

/**
 * Whether more rounds could still change a verdict: the rounds' interquartile range straddles the
 * limit. A ratio whose middle half of rounds lies on one side of it is decided; one that does not
 * is measured again, up to a maximum, instead of letting one noisy round decide.
 */
export function undecided(paired: PairedRatio, limit: { max?: number; min?: number }): boolean {
  const straddles = (bound: number | undefined) =>
    bound !== undefined && paired.low <= bound && paired.high >= bound;
  return straddles(limit.max) || straddles(limit.min);
}
