import * as activities from '../../shared/contacts/activities.ts';
import { getCompany, getContact } from '../../shared/contacts/records.ts';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import { activityRoutes } from '../app/contacts-activities.ts';
import { expandableKinds } from '../app/expansions.ts';
import { recordKinds } from '../app/records.ts';

// Activities and the calendar, apart from the address book (functions/http/contacts.ts). The
// calendar and its feeds load on their first request: a cold start loads activities only.
const calendars = () => import('../../shared/contacts/calendar.ts');

export const handler = httpHandler(
  activityRoutes,
  {
    contactActivities: async ({ ctx, params, query }) => {
      await getContact(ctx, params.id);
      return activities.listContactActivities(ctx, params.id, query);
    },
    companyActivities: async ({ ctx, params, query }) => {
      await getCompany(ctx, params.id);
      return activities.listCompanyActivities(ctx, params.id, query);
    },
    createActivity: async ({ ctx, body }) => activities.createActivity(ctx, body),
    getActivity: async ({ ctx, params }) => activities.getActivity(ctx, params.id),
    updateActivity: async ({ ctx, params, body, ifMatch }) =>
      activities.updateActivity(ctx, params.id, body, ifMatch),
    deleteActivity: async ({ ctx, params }) => {
      await activities.deleteActivity(ctx, params.id);
      return noContent();
    },
    calendar: async ({ ctx, query }) =>
      (await calendars()).calendar(ctx, {
        from: query.from,
        to: query.to,
        ...(query.owner ? { ownerId: query.owner } : {}),
        reachableNow: query.reachableNow,
      }),
    calendarFeed: async ({ ctx, principal }) => {
      try {
        return { active: true, feed: await (await calendars()).getCalendarFeed(ctx, principal!.memberId) };
      } catch (error) {
        if (error instanceof NotFoundError) return { active: false };
        throw error;
      }
    },
    issueCalendarFeed: async ({ ctx, principal }) =>
      (await calendars()).issueCalendarFeed(ctx, principal!.memberId),
    revokeCalendarFeed: async ({ ctx, principal }) => {
      await (await calendars()).revokeCalendarFeed(ctx, principal!.memberId);
      return noContent();
    },
  },
  { records: recordKinds, expansions: expandableKinds },
);
