import { activityRoutes } from './contacts-activities.ts';
import { contactRoutes } from './contacts-address-book.ts';
import { contactPublicRoutes } from './contacts-public.ts';
import { defineModule } from './types.ts';

export const contacts = /* @__PURE__ */ defineModule({
  name: 'contacts',
  tags: {
    Contacts: 'The address book: customers, former customers, prospects and leads.',
    Companies: 'Organisations and the contacts who work there.',
    Activities: 'Calls, meetings, notes and emails logged about contacts and companies.',
    Calendar: 'Meetings, scheduled calls and due tasks, in the API and as iCalendar feeds.',
    Imports: 'CSV imports of contacts, run in the background.',
    'Self-service': 'Pages where contacts correct their own data.',
  },
  functions: [
    {
      name: 'contacts-api',
      entry: 'functions/http/contacts.ts',
      description: 'The address book over HTTP.',
      permissions: ['table:tenant', 'secrets:read'],
    },
    {
      name: 'activities-api',
      entry: 'functions/http/activities.ts',
      description: 'Activities (calls, meetings, notes, emails) and the calendar over HTTP.',
      permissions: ['table:tenant', 'secrets:read'],
    },
    {
      name: 'contacts-public',
      entry: 'functions/http/contacts-public.ts',
      description: 'Self-service forms and calendar feeds, opened through signed links.',
      permissions: ['table:tenant', 'secrets:read'],
    },
    {
      name: 'contacts-jobs',
      entry: 'functions/events/contacts-jobs.ts',
      description: 'Queues import chunks, merges duplicates and sweeps erased contacts.',
      permissions: ['table:write', 'queues:send'],
      timeoutSeconds: 900,
      memoryMb: 512,
    },
    {
      name: 'contacts-import',
      entry: 'functions/workers/contacts-import.ts',
      description: 'Imports one chunk (at most 500 rows) of a CSV import.',
      permissions: ['table:write'],
      timeoutSeconds: 300,
      memoryMb: 512,
    },
    {
      name: 'contact-indexes',
      entry: 'functions/streams/contact-indexes.ts',
      description: "Keeps each contact's tag, phone, email and country index items in step with it.",
      permissions: ['table:write'],
    },
  ],
  routes: [contactRoutes, activityRoutes, contactPublicRoutes],
  streams: [
    {
      name: 'contact-indexes',
      description: 'Committed contacts: their index items (tags, phones, further emails, countries) follow.',
      target: 'contact-indexes',
      filters: [
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { entity: { S: ['Contact'] } } } },
        { eventName: ['REMOVE'], dynamodb: { OldImage: { entity: { S: ['Contact'] } } } },
      ],
      batchSize: 100,
      retryAttempts: 10,
    },
  ],
  rules: [
    {
      name: 'contacts-jobs',
      description: 'Background work of the address book: imports, merges, erasures.',
      bus: 'domain',
      pattern: {
        source: ['funnel.contacts'],
        'detail-type': ['ImportQueued', 'ContactMergeRequested', 'ContactErased'],
      },
      target: 'contacts-jobs',
    },
  ],
  queues: [
    {
      name: 'contacts-import',
      description: 'One message per chunk of a CSV import.',
      consumer: 'contacts-import',
      batchSize: 1,
      visibilityTimeoutSeconds: 360,
      maxReceiveCount: 5,
      maxConcurrency: 4,
    },
  ],
});
