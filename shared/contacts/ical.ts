import type { CalendarItem } from './activity-schema.ts';

/**
 * Renders calendar items as an iCalendar document (RFC 5545) with ical.js's component API, so
 * escaping, line folding and date formats are the library's, not ours. Meetings and calls are
 * events; due tasks are short events at their due time (calendar apps show VTODOs unevenly).
 * ical.js (76 KB minified) is imported here, by the feed's requests only: the function that
 * serves the feed ships it beside its bundle, and its self-service forms never load it.
 */
export async function renderICalendar(
  items: CalendarItem[],
  options: { name: string; now: Date; domain: string },
): Promise<string> {
  const { default: ICAL } = await import('ical.js');
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.updatePropertyWithValue('prodid', '-//Funnel CRM//Calendar feed//EN');
  calendar.updatePropertyWithValue('version', '2.0');
  calendar.updatePropertyWithValue('calscale', 'GREGORIAN');
  calendar.updatePropertyWithValue('x-wr-calname', options.name);
  const stamp = ICAL.Time.fromJSDate(options.now, true);
  for (const item of items) {
    const event = new ICAL.Component('vevent');
    event.updatePropertyWithValue('uid', `${item.kind}-${item.id}@${options.domain}`);
    event.updatePropertyWithValue('dtstamp', stamp);
    event.updatePropertyWithValue('dtstart', ICAL.Time.fromJSDate(new Date(item.start), true));
    const end =
      item.end ?? new Date(Date.parse(item.start) + (item.kind === 'task' ? 15 : 30) * 60_000).toISOString();
    event.updatePropertyWithValue('dtend', ICAL.Time.fromJSDate(new Date(end), true));
    event.updatePropertyWithValue('summary', item.kind === 'task' ? `Task: ${item.title}` : item.title);
    event.updatePropertyWithValue('categories', item.kind);
    if (item.location) event.updatePropertyWithValue('location', item.location);
    calendar.addSubcomponent(event);
  }
  return calendar.toString();
}
