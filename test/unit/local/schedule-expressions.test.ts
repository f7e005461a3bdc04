import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidExpressionError,
  nextRun,
  parseExpression,
  zonedToInstant,
} from '../../../infra/local/aws/schedule-expressions.ts';

/** The next `count` runs after `after`, as ISO strings. */
function runs(expression: string, after: string, timeZone = 'UTC', count = 3, anchor?: string): string[] {
  const parsed = parseExpression(expression);
  const out: string[] = [];
  let cursor = new Date(after);
  for (let i = 0; i < count; i++) {
    const next = nextRun(parsed, {
      after: cursor,
      timeZone,
      ...(anchor ? { anchor: new Date(anchor) } : {}),
    });
    if (!next) break;
    out.push(next.toISOString());
    cursor = next;
  }
  return out;
}

describe('rate expressions', () => {
  it('run every period from the anchor', () => {
    expect(runs('rate(15 minutes)', '2025-03-01T10:07:00Z', 'UTC', 3, '2025-03-01T10:00:00Z')).toEqual([
      '2025-03-01T10:15:00.000Z',
      '2025-03-01T10:30:00.000Z',
      '2025-03-01T10:45:00.000Z',
    ]);
    expect(runs('rate(1 hour)', '2025-03-01T09:00:00Z', 'UTC', 1, '2025-03-01T10:00:00Z')).toEqual([
      '2025-03-01T10:00:00.000Z',
    ]);
  });

  it('count days as 24 hours, so a daily rate moves on the wall clock across DST', () => {
    expect(
      runs('rate(1 day)', '2025-03-08T12:00:00Z', 'America/New_York', 2, '2025-03-08T12:00:00Z'),
    ).toEqual(['2025-03-09T12:00:00.000Z', '2025-03-10T12:00:00.000Z']);
  });

  it.each([
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(0 minutes)',
    'rate(1 week)',
    'rate(-1 hours)',
    'rate(1.5 hours)',
  ])('rejects %s', (expression) => {
    expect(() => parseExpression(expression)).toThrow(InvalidExpressionError);
  });
});

describe('cron expressions (AWS fields: minutes hours day-of-month month day-of-week year)', () => {
  it('counts day-of-week 1-7 from Sunday, unlike Unix cron', () => {
    // 2025-03-03 is a Monday.
    expect(runs('cron(0 10 ? * 2 *)', '2025-03-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-03-03T10:00:00.000Z',
      '2025-03-10T10:00:00.000Z',
    ]);
    expect(runs('cron(0 10 ? * 1,7 *)', '2025-03-03T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-03-08T10:00:00.000Z',
      '2025-03-09T10:00:00.000Z',
    ]);
    expect(runs('cron(0 10 ? * 2-6 *)', '2025-03-07T11:00:00Z', 'UTC', 1)).toEqual([
      '2025-03-10T10:00:00.000Z',
    ]);
  });

  it('understands names, lists, ranges and steps', () => {
    expect(runs('cron(0/20 8-9 ? * MON-FRI *)', '2025-03-07T09:30:00Z', 'UTC', 4)).toEqual([
      '2025-03-07T09:40:00.000Z',
      '2025-03-10T08:00:00.000Z',
      '2025-03-10T08:20:00.000Z',
      '2025-03-10T08:40:00.000Z',
    ]);
    expect(runs('cron(0 12 1 JAN,JUL ? *)', '2025-03-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-07-01T12:00:00.000Z',
      '2026-01-01T12:00:00.000Z',
    ]);
    // Every second day of the week from Monday: MON, WED, FRI.
    expect(runs('cron(0 6 ? * 2/2 *)', '2025-03-03T07:00:00Z', 'UTC', 3)).toEqual([
      '2025-03-05T06:00:00.000Z',
      '2025-03-07T06:00:00.000Z',
      '2025-03-10T06:00:00.000Z',
    ]);
  });

  it('L: the last day of the month, and the last given weekday of the month', () => {
    expect(runs('cron(0 18 L * ? *)', '2025-02-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-02-28T18:00:00.000Z',
      '2025-03-31T18:00:00.000Z',
    ]);
    expect(runs('cron(0 18 ? * 6L *)', '2025-03-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-03-28T18:00:00.000Z',
      '2025-04-25T18:00:00.000Z',
    ]);
  });

  it('#: the nth given weekday of the month', () => {
    expect(runs('cron(0 9 ? * 6#3 *)', '2025-03-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-03-21T09:00:00.000Z',
      '2025-04-18T09:00:00.000Z',
    ]);
  });

  it('W: the weekday nearest to a day, within the month, and LW: the last weekday', () => {
    // 2025-03-15 is a Saturday (-> Friday 14th), 2025-06-15 a Sunday (-> Monday 16th).
    expect(runs('cron(0 9 15W * ? *)', '2025-03-01T00:00:00Z', 'UTC', 4)).toEqual([
      '2025-03-14T09:00:00.000Z',
      '2025-04-15T09:00:00.000Z',
      '2025-05-15T09:00:00.000Z',
      '2025-06-16T09:00:00.000Z',
    ]);
    // 2025-03-01 is a Saturday: the nearest weekday in March is Monday the 3rd, not February 28th.
    expect(runs('cron(0 9 1W * ? *)', '2025-02-20T00:00:00Z', 'UTC', 1)).toEqual([
      '2025-03-03T09:00:00.000Z',
    ]);
    // 2025-05-31 is a Saturday, 2025-08-31 a Sunday.
    expect(runs('cron(0 9 LW * ? *)', '2025-05-01T00:00:00Z', 'UTC', 4)).toEqual([
      '2025-05-30T09:00:00.000Z',
      '2025-06-30T09:00:00.000Z',
      '2025-07-31T09:00:00.000Z',
      '2025-08-29T09:00:00.000Z',
    ]);
  });

  it('honours the year field', () => {
    expect(runs('cron(0 0 1 1 ? 2030)', '2025-03-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2030-01-01T00:00:00.000Z',
    ]);
    expect(runs('cron(0 0 1 1 ? 2027-2028)', '2025-03-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2027-01-01T00:00:00.000Z',
      '2028-01-01T00:00:00.000Z',
    ]);
    expect(runs('cron(0 0 1 1 ? 2020-2024)', '2025-03-01T00:00:00Z')).toEqual([]);
  });

  it('evaluates in the schedule’s time zone, following its DST changes', () => {
    expect(runs('cron(0 9 * * ? *)', '2025-03-29T00:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2025-03-29T08:00:00.000Z',
      '2025-03-30T07:00:00.000Z',
      '2025-03-31T07:00:00.000Z',
    ]);
  });

  it('skips a time that DST skips and runs a repeated time once, as EventBridge Scheduler does', () => {
    // New York springs forward at 02:00 on 2025-03-09: 02:30 does not exist that day.
    expect(runs('cron(30 2 * * ? *)', '2025-03-08T00:00:00Z', 'America/New_York', 2)).toEqual([
      '2025-03-08T07:30:00.000Z',
      '2025-03-10T06:30:00.000Z',
    ]);
    // It falls back at 02:00 on 2025-11-02: 01:30 happens twice, the schedule runs once.
    expect(runs('cron(30 1 * * ? *)', '2025-11-01T12:00:00Z', 'America/New_York', 2)).toEqual([
      '2025-11-02T05:30:00.000Z',
      '2025-11-03T06:30:00.000Z',
    ]);
  });

  it.each([
    ['both day fields set', 'cron(0 10 * * MON *)'],
    ['neither day field set', 'cron(0 10 ? * ? *)'],
    ['five fields', 'cron(0 10 * * ?)'],
    ['day-of-week 0', 'cron(0 10 ? * 0 *)'],
    ['day-of-week 8', 'cron(0 10 ? * 8 *)'],
    ['minute 60', 'cron(60 10 * * ? *)'],
    ['hour 24', 'cron(0 24 * * ? *)'],
    ['a hashed H', 'cron(0 H * * ? *)'],
    ['a backwards range', 'cron(0 10-8 * * ? *)'],
    ['year 1900', 'cron(0 10 * * ? 1900)'],
    ['an unknown month', 'cron(0 10 1 FOO ? *)'],
  ])('rejects %s', (_, expression) => {
    expect(() => parseExpression(expression)).toThrow(InvalidExpressionError);
  });

  it('every run satisfies the minutes and hours fields and comes strictly after the previous one', () => {
    const values = (max: number) =>
      fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        values(59),
        values(23),
        fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'),
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2030-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (minutes, hours, timeZone, after) => {
          const expression = parseExpression(`cron(${minutes.join(',')} ${hours.join(',')} * * ? *)`);
          let cursor = after;
          for (let i = 0; i < 5; i++) {
            const next = nextRun(expression, { after: cursor, timeZone });
            if (!next || next.getTime() <= cursor.getTime()) return false;
            const local = new Intl.DateTimeFormat('en-US', {
              timeZone,
              hourCycle: 'h23',
              hour: 'numeric',
              minute: 'numeric',
            }).formatToParts(next);
            const hour = Number(local.find((p) => p.type === 'hour')?.value);
            const minute = Number(local.find((p) => p.type === 'minute')?.value);
            if (!hours.includes(hour) || !minutes.includes(minute) || next.getUTCSeconds() !== 0)
              return false;
            cursor = next;
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('at expressions', () => {
  it('run once, at the wall-clock time of the schedule’s time zone', () => {
    expect(runs('at(2025-06-01T09:00:00)', '2025-03-01T00:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2025-06-01T07:00:00.000Z',
    ]);
    expect(runs('at(2025-06-01T09:00:00)', '2025-06-01T07:00:00Z', 'Europe/Berlin')).toEqual([]);
  });

  it.each([
    'at(2025-02-30T00:00:00)',
    'at(2025-06-01 09:00:00)',
    'at(2025-06-01T09:00)',
    'at(2025-06-01T24:00:00)',
  ])('rejects %s', (expression) => {
    expect(() => parseExpression(expression)).toThrow(InvalidExpressionError);
  });

  it('zonedToInstant inverts the time zone’s offset on both sides of DST', () => {
    expect(zonedToInstant('2025-01-15T12:00:00', 'America/New_York').toISOString()).toBe(
      '2025-01-15T17:00:00.000Z',
    );
    expect(zonedToInstant('2025-07-15T12:00:00', 'America/New_York').toISOString()).toBe(
      '2025-07-15T16:00:00.000Z',
    );
    expect(zonedToInstant('2025-07-15T12:00:00', 'Asia/Kolkata').toISOString()).toBe(
      '2025-07-15T06:30:00.000Z',
    );
  });
});
