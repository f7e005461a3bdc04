import { registerSecrets, registerTenantData } from '../platform/tenant-data.ts';
import { calendarFeedKeys, companyKeys, contactKeys } from './keys.ts';

/**
 * A contact's partition holds what every module keeps about the person (timeline, history, index
 * items, topic choices, list memberships, purchases, billing); its email guard is outside it.
 * Activities have a partition each (the activity and its attendees), listed by the tenant's
 * activity index.
 */
registerTenantData('contacts', [
  {
    name: 'contacts',
    list: { index: 'GSI1', partition: ['CONTACTS'] },
    related: (item, t) => ({
      keys:
        item.entity === 'Contact' && typeof item.email === 'string' ? [contactKeys.email(t, item.email)] : [],
    }),
  },
  {
    name: 'companies',
    list: { index: 'GSI1', partition: ['COMPANIES'] },
    related: (item, t) => ({
      keys:
        item.entity === 'Company' && typeof item.domain === 'string'
          ? [companyKeys.domain(t, item.domain)]
          : [],
    }),
  },
  // What erasures and merges leave in a contact's partition once the contact is gone.
  { name: 'contact-tombstones', list: { index: 'GSI1', partition: ['CONTACT-TOMBSTONES'] } },
  { name: 'activities', list: { index: 'GSI4', partition: ['ACTIVITIES'] } },
  { name: 'custom-fields', list: { partition: ['CONTACT-FIELDS'] } },
  { name: 'imports', list: { index: 'GSI1', partition: ['IMPORTS'] } },
  {
    name: 'calendar-feeds',
    list: { partition: ['MEMBERS'], beginsWith: 'MEMBER#' },
    throughOthers: true,
    related: (item, t) => ({
      keys: item.entity === 'Member' ? [calendarFeedKeys.feed(t, String(item.id))] : [],
    }),
  },
]);

// The feed id is the private address of the member's calendar.
registerSecrets('CalendarFeed', 'item');
