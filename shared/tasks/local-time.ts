import { dateTimeFormat } from '../platform/intl.ts';
import { zonedTimeToInstant } from '../platform/time.ts';

/**
 * Local date-times (`YYYY-MM-DDTHH:mm`, wall-clock time in a tenant's zone) and the instants they
 * stand for. Apart from recurrence.ts so that code which only converts times does not bundle the
 * recurrence library.
 */

/** The instant a local occurrence (`YYYY-MM-DDTHH:mm`) happens in `timeZone`. */
export function occurrenceInstant(local: string, timeZone: string): Date {
  return zonedTimeToInstant(local, timeZone);
}

/** The local date-time (`YYYY-MM-DDTHH:mm`) of `instant` in `timeZone`. */
export function localDateTime(instant: Date, timeZone: string): string {
  const parts = dateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

/** `2026-01-05T09:00` → `202601050900`, for schedule names. */
export function compactLocal(local: string): string {
  return local.replace(/[-:T]/g, '');
}
