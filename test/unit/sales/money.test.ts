import { describe, expect, it } from 'vitest';
import { applyBps, applyPercent, formatMoney, lineAmount, ratioBps } from '../../../shared/sales/money.ts';
import { normalizeStages, stagesReachedBy } from '../../../shared/sales/pipelines.ts';
import type { Pipeline } from '../../../shared/sales/schema.ts';

describe('money', () => {
  it('rounds tax half up per line, in integers', () => {
    expect(applyBps(1005, 2000)).toBe(201);
    expect(applyBps(1002, 2000)).toBe(200);
    expect(applyBps(25, 2000)).toBe(5);
    expect(applyBps(-25, 2000)).toBe(-5);
  });

  it('multiplies amounts beyond 2^53 exactly or refuses', () => {
    expect(applyBps(900_000_000_000_000, 1)).toBe(90_000_000_000);
    expect(() => lineAmount(1_000_000, 9_000_000_000_000)).toThrow(RangeError);
  });

  it('weighs stage values by probability and gives conversion in basis points', () => {
    expect(applyPercent(10_001, 50)).toBe(5001);
    expect(ratioBps(1, 3)).toBe(3333);
    expect(ratioBps(2, 3)).toBe(6667);
    expect(ratioBps(1, 0)).toBeUndefined();
  });

  it('formats minor units of any currency without floating point', () => {
    expect(formatMoney(123_456, 'EUR')).toBe('€1,234.56');
    expect(formatMoney(5, 'EUR')).toBe('€0.05');
    expect(formatMoney(1234, 'JPY')).toBe('¥1,234');
  });
});

describe('pipeline stages', () => {
  it('spread default probabilities over the open stages and fix won and lost', () => {
    const stages = normalizeStages([
      { name: 'Qualify', outcome: 'open' },
      { name: 'Propose', outcome: 'open' },
      { name: 'Negotiate', outcome: 'open', probability: 80 },
      { name: 'Won', outcome: 'won' },
      { name: 'Lost', outcome: 'lost' },
    ]);
    expect(stages.map((s) => s.probability)).toEqual([25, 50, 80, 100, 0]);
  });

  it('need open stages first, exactly one won stage and a lost stage', () => {
    expect(() =>
      normalizeStages([
        { name: 'Won', outcome: 'won' },
        { name: 'Qualify', outcome: 'open' },
        { name: 'Lost', outcome: 'lost' },
      ]),
    ).toThrow();
    expect(() =>
      normalizeStages([
        { name: 'Qualify', outcome: 'open' },
        { name: 'Won', outcome: 'won' },
        { name: 'Won again', outcome: 'won' },
      ]),
    ).toThrow();
  });

  it('count a won deal as having reached every open stage, a lost one only its lost stage', () => {
    const pipeline = {
      stages: normalizeStages([
        { id: undefined, name: 'A', outcome: 'open' },
        { name: 'B', outcome: 'open' },
        { name: 'Won', outcome: 'won' },
        { name: 'Lost', outcome: 'lost' },
      ]),
    } as Pipeline;
    const [a, b, won, lost] = pipeline.stages.map((s) => s.id);
    expect(stagesReachedBy(pipeline, b!)).toEqual([a, b]);
    expect(stagesReachedBy(pipeline, won!)).toEqual([a, b, won]);
    expect(stagesReachedBy(pipeline, lost!)).toEqual([lost]);
  });
});
