import {
  preferencesPage,
  savePreferences,
  unsubscribe,
  unsubscribePage,
} from '../../shared/marketing/unsubscribe.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { marketingPublicRoutes } from '../app/marketing.ts';

const html = (page: { status: number; html: string }) =>
  reply(page.html, {
    status: page.status,
    headers: { 'cache-control': 'no-store', 'x-robots-tag': 'noindex' },
  });

export const handler = httpHandler(marketingPublicRoutes, {
  unsubscribePage: async ({ params, contextFor }) =>
    html(
      await unsubscribePage(params.token, (t, contactId) =>
        contextFor(asTenantId(t), { type: 'contact', contactId }),
      ),
    ),
  unsubscribe: async ({ params, contextFor }) =>
    html(
      await unsubscribe(params.token, (t, contactId) =>
        contextFor(asTenantId(t), { type: 'contact', contactId }),
      ),
    ),
  preferencesPage: async ({ params, contextFor }) =>
    html(
      await preferencesPage(params.token, (t, contactId) =>
        contextFor(asTenantId(t), { type: 'contact', contactId }),
      ),
    ),
  savePreferences: async ({ params, body, contextFor }) =>
    html(
      await savePreferences(params.token, body ?? {}, (t, contactId) =>
        contextFor(asTenantId(t), { type: 'contact', contactId }),
      ),
    ),
});
