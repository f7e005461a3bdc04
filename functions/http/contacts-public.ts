import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { publicUrl } from '../../shared/platform/links.ts';
import { PAGE_OPTIONS, pageReply, visitOf } from '../../shared/platform/pages/reply.ts';
import { contactPublicRoutes } from '../app/contacts-public.ts';

// Each page loads its own code on its first request: the self-service form (its page, the contact
// write) and the calendar feed (the calendar, iCalendar) do not load each other's at a cold start.
const selfService = () => import('../../shared/contacts/self-service.ts');
const calendars = () => import('../../shared/contacts/calendar.ts');
const iCalendar = () => import('../../shared/contacts/ical.ts');

const single = (fields: Record<string, string | string[]>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? '') : v]));

export const handler = httpHandler(
  contactPublicRoutes,
  {
    selfServiceForm: async (request) => {
      const { params, headers, contextFor } = request;
      const page = await (await selfService()).selfServiceForm(
        params.token,
        (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
        visitOf(headers),
      );
      return pageReply(page, request);
    },
    submitSelfService: async (request) => {
      const { params, body, headers, contextFor } = request;
      const page = await (await selfService()).submitSelfService(
        params.token,
        single(body ?? {}),
        (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
        visitOf(headers),
      );
      return pageReply(page, request);
    },
    calendarFeedDocument: async ({ params, contextFor }) => {
      const { calendar, feedWindow, resolveFeedToken } = await calendars();
      const feed = await resolveFeedToken(params.token, (t) =>
        contextFor(asTenantId(t), { type: 'system', process: 'calendar-feed' }),
      );
      if (!feed)
        return reply('This calendar address is not valid any more.', {
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      const now = feed.ctx.clock.now();
      const { items } = await calendar(feed.ctx, { ...feedWindow(now), ownerId: feed.memberId });
      const { renderICalendar } = await iCalendar();
      return reply(
        await renderICalendar(items, { name: 'Funnel CRM', now, domain: new URL(publicUrl('/')).hostname }),
        {
          headers: {
            'content-type': 'text/calendar; charset=utf-8',
            'cache-control': 'private, max-age=300',
          },
        },
      );
    },
  },
  PAGE_OPTIONS,
);
