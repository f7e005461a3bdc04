import {
  preferencesPage,
  savePreferences,
  unsubscribe,
  unsubscribePage,
} from '../../shared/marketing/unsubscribe.ts';
import type { TenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { type HttpRequest, httpHandler } from '../../shared/platform/http/handler.ts';
import type { AnyRoute } from '../../shared/platform/http/route.ts';
import { PAGE_OPTIONS, pageReply, visitOf } from '../../shared/platform/pages/reply.ts';
import { marketingPublicRoutes } from '../app/marketing-public.ts';

/** The contact a link is for acts on their own subscriptions. */
const asContact =
  ({ contextFor }: HttpRequest<AnyRoute>) =>
  (t: string, contactId: string): TenantContext =>
    contextFor(asTenantId(t), { type: 'contact', contactId });

export const handler = httpHandler(
  marketingPublicRoutes,
  {
    unsubscribePage: async (request) =>
      pageReply(
        await unsubscribePage(request.params.token, asContact(request), visitOf(request.headers)),
        request,
      ),
    unsubscribe: async (request) =>
      pageReply(
        await unsubscribe(request.params.token, asContact(request), visitOf(request.headers)),
        request,
      ),
    preferencesPage: async (request) =>
      pageReply(
        await preferencesPage(request.params.token, asContact(request), visitOf(request.headers)),
        request,
      ),
    savePreferences: async (request) =>
      pageReply(
        await savePreferences(
          request.params.token,
          request.body ?? {},
          asContact(request),
          visitOf(request.headers),
        ),
        request,
      ),
  },
  PAGE_OPTIONS,
);
