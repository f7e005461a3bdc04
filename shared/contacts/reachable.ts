import { dateTimeFormat } from '../platform/intl.ts';
import { localDateTime } from '../tasks/local-time.ts';
import type { Contact } from './schema.ts';

type BestTime = NonNullable<Contact['bestTimeToCall']>;

/**
 * Is it within the contact's best time to call, read on the contact's own wall clock (their time
 * zone, their weekday)? `to` is exclusive: a window 09:00-12:00 ends at noon. A contact who never
 * said when to call is not "reachable now": the filter is for calling people when they asked.
 */
export function reachableAt(best: BestTime | undefined, now: Date): boolean {
  if (!best) return false;
  const weekday = dateTimeFormat('en-US', { timeZone: best.timeZone, weekday: 'short' })
    .format(now)
    .toLowerCase();
  const time = localDateTime(now, best.timeZone).slice(11, 16);
  return (best.days as string[]).includes(weekday) && best.from <= time && time < best.to;
}
