import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  type BusinessHours,
  businessMinutesBetween,
  DEFAULT_WEEK,
} from '../../../shared/cases/business-hours.ts';

const paris: BusinessHours = { timeZone: 'Europe/Paris', week: DEFAULT_WEEK, holidays: [] };

describe('business-time arithmetic of SLA clocks', () => {
  it('carries a target past the weekend: Friday 16:00 plus 8 hours is Monday 16:00 in Paris', () => {
    // 2026-03-06 is a Friday; Paris is UTC+1 in March before the DST change.
    const due = addBusinessMinutes(new Date('2026-03-06T15:00:00Z'), 480, paris);
    expect(due.toISOString()).toBe('2026-03-09T15:00:00.000Z');
  });

  it('starts the clock at opening time for a request that arrives at night', () => {
    const due = addBusinessMinutes(new Date('2026-03-09T22:30:00Z'), 60, paris);
    expect(due.toISOString()).toBe('2026-03-10T09:00:00.000Z');
  });

  it('skips holidays and follows daylight saving time', () => {
    const hours = { ...paris, holidays: ['2026-03-30'] };
    // Friday 2026-03-27 16:00 CET; DST starts on Sunday the 29th; Monday the 30th is a holiday.
    const due = addBusinessMinutes(new Date('2026-03-27T15:00:00Z'), 120, hours);
    expect(due.toISOString()).toBe('2026-03-31T08:00:00.000Z');
  });

  it('counts only open minutes between two instants', () => {
    expect(
      businessMinutesBetween(new Date('2026-03-06T15:00:00Z'), new Date('2026-03-09T09:00:00Z'), paris),
    ).toBe(60 + 60);
  });

  it('refuses a calendar without a single open hour', () => {
    expect(() => addBusinessMinutes(new Date('2026-03-06T15:00:00Z'), 60, { ...paris, week: {} })).toThrow(
      RangeError,
    );
  });
});
