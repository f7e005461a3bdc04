import { calendar, feedWindow, resolveFeedToken } from '../../shared/contacts/calendar.ts';
import { renderICalendar } from '../../shared/contacts/ical.ts';
import { selfServiceForm, submitSelfService } from '../../shared/contacts/self-service.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { publicUrl } from '../../shared/platform/links.ts';
import { PAGE_OPTIONS, pageReply, visitOf } from '../../shared/platform/pages/reply.ts';
import { contactPublicRoutes } from '../app/contacts.ts';

const single = (fields: Record<string, string | string[]>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? '') : v]));

export const handler = httpHandler(
  contactPublicRoutes,
  {
    selfServiceForm: async (request) => {
      const { params, headers, contextFor } = request;
      const page = await selfServiceForm(
        params.token,
        (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
        visitOf(headers),
      );
      return pageReply(page, request);
    },
    submitSelfService: async (request) => {
      const { params, body, headers, contextFor } = request;
      const page = await submitSelfService(
        params.token,
        single(body ?? {}),
        (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
        visitOf(headers),
      );
      return pageReply(page, request);
    },
    calendarFeedDocument: async ({ params, contextFor }) => {
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
