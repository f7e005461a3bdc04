import * as z from 'zod/mini';
import {
  Activity,
  ActivityCreate,
  ActivityUpdate,
  CalendarFeed,
  CalendarItem,
} from '../../shared/contacts/activity-schema.ts';
import { anyMember, customerFacing } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, IsoDateTime, named, PageQuery, page } from '../../shared/platform/schema.ts';

/**
 * Calls, meetings, notes and logged emails, and the calendar they make: served by activities-api,
 * apart from the address book (contacts-address-book.ts), so that neither function's cold start
 * loads and builds the other's schemas and code.
 */
const fn = 'activities-api';
const ById = lazy(() => z.object({ id: Id }));

export const activityRoutes = {
  contactActivities: route({
    operationId: 'listContactActivities',
    method: 'GET',
    path: '/v1/contacts/{id}/activities',
    function: fn,
    access: anyMember,
    summary: "List a contact's calls, meetings, notes and emails, newest first",
    tags: ['Activities'],
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('ActivityPage', Activity) },
  }),
  companyActivities: route({
    operationId: 'listCompanyActivities',
    method: 'GET',
    path: '/v1/companies/{id}/activities',
    function: fn,
    access: anyMember,
    summary: "List a company's activities, newest first",
    tags: ['Activities'],
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('ActivityPage', Activity) },
  }),
  createActivity: route({
    operationId: 'createActivity',
    method: 'POST',
    path: '/v1/activities',
    references: {
      'contactIds.*': 'contact',
      companyId: 'company',
      dealId: 'deal',
      invoiceId: 'invoice',
      ownerId: 'member',
      'meeting.attendeeMemberIds.*': 'member',
    },
    function: fn,
    access: customerFacing,
    summary: 'Log a call, meeting, note or email',
    description: 'A call with outcome `scheduled`, and every meeting, also appear in the calendar.',
    tags: ['Activities'],
    body: ActivityCreate,
    response: { status: 201, schema: Activity },
    versioned: true,
    errors: ['unprocessable'],
  }),
  getActivity: route({
    operationId: 'getActivity',
    method: 'GET',
    path: '/v1/activities/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read an activity',
    tags: ['Activities'],
    params: ById,
    response: { status: 200, schema: Activity },
    versioned: true,
  }),
  updateActivity: route({
    operationId: 'updateActivity',
    method: 'PATCH',
    path: '/v1/activities/{id}',
    resource: 'activity',
    references: { ownerId: 'member', 'meeting.attendeeMemberIds.*': 'member' },
    function: fn,
    access: customerFacing,
    summary: 'Change an activity (e.g. record the outcome of a scheduled call)',
    tags: ['Activities'],
    params: ById,
    body: ActivityUpdate,
    response: { status: 200, schema: Activity },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  deleteActivity: route({
    operationId: 'deleteActivity',
    method: 'DELETE',
    path: '/v1/activities/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Delete an activity',
    tags: ['Activities'],
    params: ById,
    response: { status: 204 },
  }),
  calendar: route({
    operationId: 'getCalendar',
    method: 'GET',
    path: '/v1/calendar',
    function: fn,
    access: anyMember,
    summary: 'Meetings, scheduled calls and due tasks in a window',
    description:
      "Everyone's by default; `owner` narrows to one member. A window is at most 92 days. Calls carry their contact's name, first phone, best time to call and `reachableNow`; `reachableNow=true` keeps only the calls whose contact is within their best time to call at this moment (in the contact's time zone).",
    tags: ['Calendar'],
    query: lazy(() =>
      z.object({
        from: IsoDateTime,
        to: IsoDateTime,
        owner: z.optional(Id),
        reachableNow: z._default(z.stringbool(), false),
      }),
    ),
    response: {
      status: 200,
      schema: named(
        'Calendar',
        lazy(() => z.object({ items: z.array(CalendarItem), truncated: z.boolean() })),
      ),
    },
  }),
  calendarFeed: route({
    operationId: 'getCalendarFeed',
    method: 'GET',
    path: '/v1/calendar/feed',
    function: fn,
    access: anyMember,
    summary: 'Your private calendar feed address, if you have one',
    tags: ['Calendar'],
    response: {
      status: 200,
      schema: named(
        'CalendarFeedStatus',
        lazy(() => z.object({ active: z.boolean(), feed: z.optional(CalendarFeed) })),
      ),
    },
  }),
  issueCalendarFeed: route({
    operationId: 'createCalendarFeed',
    method: 'POST',
    path: '/v1/calendar/feed',
    location: '/v1/calendar/feed',
    function: fn,
    access: anyMember,
    summary: 'Get a new private calendar feed address (the previous one stops working)',
    tags: ['Calendar'],
    response: { status: 201, schema: CalendarFeed },
  }),
  revokeCalendarFeed: route({
    operationId: 'revokeCalendarFeed',
    method: 'DELETE',
    path: '/v1/calendar/feed',
    function: fn,
    access: anyMember,
    summary: 'Stop your calendar feed address from working',
    tags: ['Calendar'],
    response: { status: 204 },
  }),
};
