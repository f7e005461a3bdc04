import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  isTimeZone,
  localDate,
  zonedTimeToInstant,
} from '../../../shared/platform/time.ts';

describe('calendar dates in the tenant time zone', () => {
  it('gives the local date where the tenant is, not in UTC', () => {
    const lateEvening = new Date('2026-11-30T23:30:00Z');
    expect(localDate(lateEvening, 'Europe/Paris')).toBe('2026-12-01');
    expect(localDate(lateEvening, 'America/New_York')).toBe('2026-11-30');
  });

  it('counts days across month and year ends', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(daysBetween('2026-11-30', '2026-12-07')).toBe(7);
    expect(daysBetween('2026-12-07', '2026-11-30')).toBe(-7);
  });

  it('turns a wall-clock time into the right instant on both sides of daylight saving', () => {
    expect(zonedTimeToInstant('2026-01-15T09:00', 'Europe/Paris').toISOString()).toBe(
      '2026-01-15T08:00:00.000Z',
    );
    expect(zonedTimeToInstant('2026-07-15T09:00', 'Europe/Paris').toISOString()).toBe(
      '2026-07-15T07:00:00.000Z',
    );
    expect(zonedTimeToInstant('2026-03-09T09:00:00', 'America/New_York').toISOString()).toBe(
      '2026-03-09T13:00:00.000Z',
    );
  });

  it('moves a wall-clock time the clocks skip forward by the gap, and takes the first of one that occurs twice', () => {
    const at = (local: string, zone: string) => zonedTimeToInstant(local, zone).toISOString();
    // Spring forward: 02:30 does not exist; it is 03:30 summer time, after the change.
    expect(at('2026-03-29T02:30', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
    expect(at('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    // Fall back: 02:30 happens twice; the first is still summer time, east and west of UTC.
    expect(at('2026-10-25T02:30', 'Europe/Paris')).toBe('2026-10-25T00:30:00.000Z');
    expect(at('2026-04-05T02:30', 'Australia/Sydney')).toBe('2026-04-04T15:30:00.000Z');
    expect(at('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    // Offsets that are not whole hours, and the zones furthest from UTC.
    expect(at('2026-06-01T09:00', 'Asia/Kathmandu')).toBe('2026-06-01T03:15:00.000Z');
    expect(at('2026-06-01T00:30', 'Pacific/Kiritimati')).toBe('2026-05-31T10:30:00.000Z');
    expect(at('2026-06-01T23:30', 'Pacific/Pago_Pago')).toBe('2026-06-02T10:30:00.000Z');
  });

  it('knows real time zones from made-up ones', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
