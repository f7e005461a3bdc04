import { describe, expect, it } from 'vitest';
import {
  localDateTime,
  nextOccurrence,
  occurrenceInstant,
  parseRecurrence,
  RecurrenceError,
} from '../../../shared/tasks/recurrence.ts';

describe('recurrence rules', () => {
  it('give the next weekly occurrence at the same wall-clock time across a daylight-saving change', async () => {
    // Paris leaves summer time on 2026-10-25: Monday 09:00 is 07:00Z before and 08:00Z after.
    const rule = 'FREQ=WEEKLY;BYDAY=MO';
    const first = await nextOccurrence(rule, '2026-10-19T09:00', '2026-10-19T09:00', true);
    const second = await nextOccurrence(rule, '2026-10-19T09:00', first!);
    expect([first, second]).toEqual(['2026-10-19T09:00', '2026-10-26T09:00']);
    expect(occurrenceInstant(first!, 'Europe/Paris').toISOString()).toBe('2026-10-19T07:00:00.000Z');
    expect(occurrenceInstant(second!, 'Europe/Paris').toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });

  it('count quarters and years from their start', async () => {
    expect(
      await nextOccurrence('RRULE:FREQ=MONTHLY;INTERVAL=3', '2026-01-15T10:00', '2026-01-15T10:00'),
    ).toBe('2026-04-15T10:00');
    expect(await nextOccurrence('FREQ=YEARLY', '2026-03-31T08:30', '2026-12-01T00:00')).toBe(
      '2027-03-31T08:30',
    );
  });

  it('end when their count is used up', async () => {
    expect(
      await nextOccurrence('FREQ=DAILY;COUNT=2', '2026-01-01T09:00', '2026-01-02T09:00'),
    ).toBeUndefined();
  });

  it.each([
    ['FREQ=SOMETIMES', /FREQ must be DAILY/],
    ['garbage', /Not a valid RRULE/],
    ['FREQ=WEEKLY;BYDAY=XX', /Not a valid RRULE/],
    ['BYDAY=MO', /needs a FREQ/],
    ['FREQ=HOURLY', /at most daily/],
    ['FREQ=DAILY;COUNT=abc', /COUNT must be a positive whole number/],
    ['FREQ=YEARLY;BYMONTH=13', /never occurs/],
    ['DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY', /startsAt/],
  ])('refuse %s with a sentence naming the problem', async (text, message) => {
    await expect(parseRecurrence(text, '2026-01-05T09:00')).rejects.toThrow(RecurrenceError);
    await expect(parseRecurrence(text, '2026-01-05T09:00')).rejects.toThrow(message);
  });

  it('read instants back as local wall-clock times', () => {
    expect(localDateTime(new Date('2026-07-01T22:30:00Z'), 'Europe/Paris')).toBe('2026-07-02T00:30');
    expect(localDateTime(new Date('2026-07-01T22:30:00Z'), 'America/New_York')).toBe('2026-07-01T18:30');
  });
});
