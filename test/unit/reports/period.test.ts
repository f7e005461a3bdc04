import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/platform/errors.ts';
import {
  addGrain,
  MAX_BUCKETS,
  previousPeriod,
  resolvePeriod,
  truncate,
} from '../../../shared/reports/period.ts';
import { mailingPeriod } from '../../../shared/reports/schedules.ts';

describe('report periods', () => {
  it('cuts a period into buckets of the grain, weeks starting on Monday, the last one cut at the end', () => {
    const weeks = resolvePeriod({
      from: '2025-03-05',
      to: '2025-03-20',
      grain: 'week',
      timeZone: 'Europe/Paris',
    });
    expect(weeks.buckets.map((b) => [b.start, b.last])).toEqual([
      ['2025-03-03', '2025-03-09'],
      ['2025-03-10', '2025-03-16'],
      ['2025-03-17', '2025-03-20'],
    ]);
    expect(truncate('2025-08-17', 'quarter')).toBe('2025-07-01');
    expect(addGrain('2025-01-31', 'month', 1)).toBe('2025-02-28');
  });

  it('covers the local days in the tenant’s zone: midnight in Paris is 23:00 or 22:00 UTC', () => {
    const summer = resolvePeriod({
      from: '2025-07-01',
      to: '2025-07-31',
      grain: 'month',
      timeZone: 'Europe/Paris',
    });
    expect(summer.startsAt.toISOString()).toBe('2025-06-30T22:00:00.000Z');
    expect(summer.endsAt.toISOString()).toBe('2025-07-31T22:00:00.000Z');
    expect([summer.firstDay, summer.lastDay]).toEqual(['2025-06-30', '2025-07-31']);
  });

  it(`refuses more than ${MAX_BUCKETS} buckets, naming the grain`, () => {
    const run = () => resolvePeriod({ from: '2024-01-01', to: '2025-12-31', grain: 'day', timeZone: 'UTC' });
    expect(run).toThrow(ValidationError);
    try {
      run();
    } catch (error) {
      expect((error as ValidationError).issues[0]!.path).toBe('query.grain');
    }
    expect(
      resolvePeriod({ from: '2025-01-01', to: '2025-12-31', grain: 'day', timeZone: 'UTC' }).buckets,
    ).toHaveLength(365);
  });

  it('compares with the period just before, as many buckets long', () => {
    expect(
      previousPeriod({ from: '2025-04-01', to: '2025-06-30', grain: 'month', timeZone: 'UTC' }),
    ).toMatchObject({
      from: '2025-01-01',
      to: '2025-03-31',
    });
  });

  it('compares a period that starts a bucket with as many buckets before, cut at the same point', () => {
    const { from, to } = previousPeriod({
      from: '2026-01-01',
      to: '2026-12-05',
      grain: 'month',
      timeZone: 'UTC',
    });
    expect([from, to]).toEqual(['2025-01-01', '2025-12-05']);
    const week = previousPeriod({ from: '2026-11-30', to: '2026-12-03', grain: 'week', timeZone: 'UTC' });
    expect([week.from, week.to]).toEqual(['2026-11-23', '2026-11-26']);
  });

  it('compares a period that starts within a bucket with as many days just before it', () => {
    const previousOf = (from: string, to: string, grain: 'week' | 'month' | 'year') => {
      const { from: f, to: t } = previousPeriod({ from, to, grain, timeZone: 'UTC' });
      return [f, t];
    };
    // 56 days, by month: the 56 days before, not three whole months.
    expect(previousOf('2024-01-15', '2024-03-10', 'month')).toEqual(['2023-11-20', '2024-01-14']);
    // A week that starts on a Wednesday: the seven days before.
    expect(previousOf('2024-01-03', '2024-01-09', 'week')).toEqual(['2023-12-27', '2024-01-02']);
    // One day of a year: the day before.
    expect(previousOf('2024-02-29', '2024-02-29', 'year')).toEqual(['2024-02-28', '2024-02-28']);
    // 31 days from the last day of March: the 31 days before, which do not overlap it.
    expect(previousOf('2024-03-31', '2024-04-30', 'month')).toEqual(['2024-02-29', '2024-03-30']);
  });

  it('gives scheduled mailings the period before their day', () => {
    expect(mailingPeriod('previous-quarter', '2026-04-02T08:00')).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
      grain: 'month',
    });
    expect(mailingPeriod('previous-week', '2026-03-09T08:00')).toEqual({
      from: '2026-03-02',
      to: '2026-03-08',
      grain: 'day',
    });
    expect(mailingPeriod('previous-year', '2026-01-02T08:00')).toEqual({
      from: '2025-01-01',
      to: '2025-12-31',
      grain: 'month',
    });
  });
});
