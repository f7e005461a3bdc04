import {
  preferencesPage,
  savePreferences,
  unsubscribe,
  unsubscribePage,
} from '../../shared/marketing/unsubscribe.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { PAGE_OPTIONS, pageReply, visitOf } from '../../shared/platform/pages/reply.ts';
import { marketingPublicRoutes } from '../app/marketing.ts';

export const handler = httpHandler(
  marketingPublicRoutes,
  {
    unsubscribePage: async ({ params, headers, contextFor }) =>
      pageReply(
        await unsubscribePage(
          params.token,
          (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
          visitOf(headers),
        ),
      ),
    unsubscribe: async ({ params, headers, contextFor }) =>
      pageReply(
        await unsubscribe(
          params.token,
          (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
          visitOf(headers),
        ),
      ),
    preferencesPage: async ({ params, headers, contextFor }) =>
      pageReply(
        await preferencesPage(
          params.token,
          (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
          visitOf(headers),
        ),
      ),
    savePreferences: async ({ params, body, headers, contextFor }) =>
      pageReply(
        await savePreferences(
          params.token,
          body ?? {},
          (t, contactId) => contextFor(asTenantId(t), { type: 'contact', contactId }),
          visitOf(headers),
        ),
      ),
  },
  PAGE_OPTIONS,
);
