import { ValidationError } from '../platform/errors.ts';
import { addDays, localDate, zonedTimeToInstant } from '../platform/time.ts';

/**
 * A report's period: local dates `from` to `to` (both included) in the tenant's time zone, cut
 * into buckets of one grain. Weeks start on Monday (ISO), as SQL's date_trunc does on both
 * engines. A period may hold at most MAX_BUCKETS buckets.
 */
export const GRAINS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type Grain = (typeof GRAINS)[number];

export const MAX_BUCKETS = 366;

export interface Period {
  from: string;
  to: string;
  grain: Grain;
  timeZone: string;
}

export interface Bucket {
  /** The first local day of the bucket, which is how rows name it. */
  start: string;
  /** The last local day of the bucket that lies in the period. */
  last: string;
  /** When the bucket ends (the instant after its last day, or the end of the period). */
  endsAt: Date;
}

export interface ResolvedPeriod extends Period {
  buckets: Bucket[];
  /** [startsAt, endsAt): the instants the period covers. */
  startsAt: Date;
  endsAt: Date;
  /** UTC days of the partitions that can hold the period's facts. */
  firstDay: string;
  lastDay: string;
}

const parse = (date: string) => new Date(`${date}T00:00:00Z`);
const format = (date: Date) => date.toISOString().slice(0, 10);

/** The first day of the grain's bucket that holds `date`. */
export function truncate(date: string, grain: Grain): string {
  const d = parse(date);
  switch (grain) {
    case 'day':
      return date;
    case 'week':
      return addDays(date, -((d.getUTCDay() + 6) % 7));
    case 'month':
      return `${date.slice(0, 7)}-01`;
    case 'quarter':
      return `${date.slice(0, 4)}-${String(Math.floor(d.getUTCMonth() / 3) * 3 + 1).padStart(2, '0')}-01`;
    case 'year':
      return `${date.slice(0, 4)}-01-01`;
  }
}

/** `date` moved by `count` buckets of the grain (months keep their day, clamped to the month's end). */
export function addGrain(date: string, grain: Grain, count: number): string {
  if (grain === 'day') return addDays(date, count);
  if (grain === 'week') return addDays(date, count * 7);
  const months = grain === 'month' ? count : grain === 'quarter' ? count * 3 : count * 12;
  const d = parse(date);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return format(target);
}

/** The default period: the last twelve months up to today, by month. */
export function defaultPeriod(now: Date, timeZone: string): Pick<Period, 'from' | 'to' | 'grain'> {
  const today = localDate(now, timeZone);
  return { from: addGrain(truncate(today, 'month'), 'month', -11), to: today, grain: 'month' };
}

export function resolvePeriod(period: Period): ResolvedPeriod {
  const { from, to, grain, timeZone } = period;
  if (from > to) throw ValidationError.field('query.from', `Must not be after \`to\` (${to}).`);
  const starts: string[] = [];
  for (let start = truncate(from, grain); start <= to; start = addGrain(start, grain, 1)) {
    starts.push(start);
    if (starts.length > MAX_BUCKETS)
      throw ValidationError.field(
        'query.grain',
        `From ${from} to ${to} by ${grain} makes more than ${MAX_BUCKETS} buckets; choose a coarser grain or a shorter period.`,
      );
  }
  const instant = (date: string) => zonedTimeToInstant(`${date}T00:00`, timeZone);
  const startsAt = instant(from);
  const endsAt = instant(addDays(to, 1));
  const buckets = starts.map((start) => {
    const next = addGrain(start, grain, 1);
    const last = next > to ? to : addDays(next, -1);
    return { start, last, endsAt: instant(addDays(last, 1)) };
  });
  return {
    ...period,
    buckets,
    startsAt,
    endsAt,
    firstDay: format(startsAt),
    lastDay: format(new Date(endsAt.getTime() - 1)),
  };
}

/**
 * The period just before, for comparisons. A period that starts on its first bucket's first day
 * is compared with as many buckets before it, cut at the same point of the last one: Q1 with Q4
 * (however many days each holds), 1 January to 5 December by month with 1 January to 5 December
 * of the year before. Any other period (15 January to 10 March) is compared with as many days
 * ending the day before it.
 */
export function previousPeriod(period: Period): Period {
  const { from, to, grain } = period;
  const before = addDays(from, -1);
  if (truncate(from, grain) === from) {
    const count = resolvePeriod(period).buckets.length;
    const lastDay = addDays(addGrain(truncate(to, grain), grain, 1), -1);
    // A period ending on its bucket's last day ends the comparison on the day before it (a month
    // of 31 days against one of 30); one ending within it, at the same day of the bucket earlier.
    return {
      ...period,
      from: addGrain(from, grain, -count),
      to: to === lastDay ? before : addGrain(to, grain, -count),
    };
  }
  const days = Math.round((parse(to).getTime() - parse(from).getTime()) / 86_400_000);
  return { ...period, from: addDays(before, -days), to: before };
}
