import { dateTimeFormat } from './intl.ts';

/**
 * Calendar helpers for date-only values (`YYYY-MM-DD`), which the CRM interprets in the tenant's
 * time zone: an invoice due on 2026-11-30 is overdue from midnight of 2026-12-01 where the tenant is.
 * Intl carries the time-zone database, so no library is needed for these three operations.
 */
const DAY_MS = 86_400_000;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date of `instant` in `timeZone`, as `YYYY-MM-DD`. */
export function localDate(instant: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (e.g. +60 for Paris in winter). */
function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = dateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant at which the wall-clock time `local` (`YYYY-MM-DDTHH:mm[:ss]`) occurs in `timeZone`,
 * disambiguated as RFC 5545 and Temporal's `compatible` do: a time the clocks skip (02:30 on the
 * spring-forward day) moves forward by the gap (03:30 in Paris); a time that occurs twice (02:30
 * on the fall-back day) is its earlier occurrence.
 */
export function zonedTimeToInstant(local: string, timeZone: string): Date {
  const naive = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  if (Number.isNaN(naive)) throw new RangeError(`Not a local date-time: ${local}`);
  // The zone's offsets a day before and a day after: a transition has at most these two.
  const before = offsetMinutes(new Date(naive - DAY_MS), timeZone);
  const after = offsetMinutes(new Date(naive + DAY_MS), timeZone);
  const occurrences = [before, after]
    .map((offset) => naive - offset * 60_000)
    .filter((instant) => naive - instant === offsetMinutes(new Date(instant), timeZone) * 60_000);
  return new Date(occurrences.length ? Math.min(...occurrences) : naive - before * 60_000);
}
