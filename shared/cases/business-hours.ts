import { addDays, localDate, zonedTimeToInstant } from '../platform/time.ts';

/**
 * Business-time arithmetic for SLA clocks (docs/contact-centre.md, SLAs). Opening hours are per
 * weekday (1 = Monday ... 7 = Sunday, ISO), as local `HH:mm` in the tenant's time zone, with
 * holidays as local dates; DST is the time-zone database's, through Intl.
 */
export interface BusinessHours {
  timeZone: string;
  /** Opening hours per ISO weekday; a missing day is closed. */
  week: Partial<Record<'1' | '2' | '3' | '4' | '5' | '6' | '7', { opens: string; closes: string }>>;
  /** Local dates (`YYYY-MM-DD`) the team does not work. */
  holidays: string[];
}

export const DEFAULT_WEEK: BusinessHours['week'] = {
  '1': { opens: '09:00', closes: '17:00' },
  '2': { opens: '09:00', closes: '17:00' },
  '3': { opens: '09:00', closes: '17:00' },
  '4': { opens: '09:00', closes: '17:00' },
  '5': { opens: '09:00', closes: '17:00' },
};

/** How far an SLA clock looks for open hours before it gives up (a calendar with none). */
const HORIZON_DAYS = 400;

function isoWeekday(date: string): '1' | '2' | '3' | '4' | '5' | '6' | '7' {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return String(day === 0 ? 7 : day) as '1';
}

/** The open windows of a local date, as instants (none on a closed day or a holiday). */
function windowOf(date: string, hours: BusinessHours): { from: Date; to: Date } | undefined {
  if (hours.holidays.includes(date)) return undefined;
  const day = hours.week[isoWeekday(date)];
  if (!day) return undefined;
  const from = zonedTimeToInstant(`${date}T${day.opens}`, hours.timeZone);
  const to = zonedTimeToInstant(`${date}T${day.closes}`, hours.timeZone);
  return to > from ? { from, to } : undefined;
}

/** The instant `minutes` of business time after `start` (start itself when it is 0 and open). */
export function addBusinessMinutes(start: Date, minutes: number, hours: BusinessHours): Date {
  let remaining = minutes * 60_000;
  let date = localDate(start, hours.timeZone);
  for (let i = 0; i < HORIZON_DAYS; i++, date = addDays(date, 1)) {
    const window = windowOf(date, hours);
    if (!window) continue;
    const from = Math.max(window.from.getTime(), start.getTime());
    if (from >= window.to.getTime()) continue;
    const available = window.to.getTime() - from;
    if (remaining <= available) return new Date(from + remaining);
    remaining -= available;
  }
  throw new RangeError(`No business hours within ${HORIZON_DAYS} days: check the opening hours.`);
}

/** Business time between two instants, in milliseconds (0 when `to` is not after `from`). */
export function businessMillisBetween(from: Date, to: Date, hours: BusinessHours): number {
  if (to <= from) return 0;
  let total = 0;
  let date = localDate(from, hours.timeZone);
  const last = localDate(to, hours.timeZone);
  for (let i = 0; i < HORIZON_DAYS && date <= last; i++, date = addDays(date, 1)) {
    const window = windowOf(date, hours);
    if (!window) continue;
    const start = Math.max(window.from.getTime(), from.getTime());
    const end = Math.min(window.to.getTime(), to.getTime());
    if (end > start) total += end - start;
  }
  return total;
}

/** Business minutes between two instants (0 when `to` is not after `from`). */
export function businessMinutesBetween(from: Date, to: Date, hours: BusinessHours): number {
  return Math.round(businessMillisBetween(from, to, hours) / 60_000);
}
