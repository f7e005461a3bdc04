import * as z from 'zod/mini';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { named } from '../../shared/platform/schema.ts';

/**
 * The routes of the pages marketing email links to, apart from the API's: the function that
 * serves them imports only these, not every marketing route and the marketing schemas (about
 * 35 KB at each cold start).
 */
const publicFn = 'marketing-public';
const Html = { status: 200, contentType: 'text/html' } as const;
const Token = lazy(() => z.object({ token: z.string().check(z.minLength(10), z.maxLength(2048)) }));

export const marketingPublicRoutes = {
  unsubscribePage: route({
    operationId: 'getUnsubscribePage',
    method: 'GET',
    path: '/v1/unsubscribe/{token}',
    function: publicFn,
    access: 'public',
    summary: 'The page an unsubscribe link opens (one button)',
    description: 'A GET never unsubscribes (mail scanners follow links); the button POSTs.',
    tags: ['Unsubscribe'],
    params: Token,
    response: { ...Html, description: 'A page with one button, or a page saying the link does not work.' },
  }),
  unsubscribe: route({
    operationId: 'unsubscribe',
    method: 'POST',
    path: '/v1/unsubscribe/{token}',
    function: publicFn,
    access: 'public',
    summary: 'One-click unsubscribe (RFC 8058)',
    description:
      "Unsubscribes the contact from the email's topic at once: no login, no confirmation. Mail clients POST `List-Unsubscribe=One-Click`; any body is accepted.",
    tags: ['Unsubscribe'],
    params: Token,
    body: named(
      'OneClickBody',
      lazy(() => z.string()),
      'List-Unsubscribe=One-Click (form or multipart); ignored.',
    ),
    bodyEncoding: 'text',
    idempotent: false,
    response: { ...Html, description: 'A page saying the contact is unsubscribed.' },
  }),
  preferencesPage: route({
    operationId: 'getPreferencesPage',
    method: 'GET',
    path: '/v1/preferences/{token}',
    function: publicFn,
    access: 'public',
    summary: 'The page where a contact chooses the topics they receive',
    tags: ['Unsubscribe'],
    params: Token,
    response: { ...Html, description: 'An HTML form (works without JavaScript).' },
  }),
  savePreferences: route({
    operationId: 'savePreferences',
    method: 'POST',
    path: '/v1/preferences/{token}',
    function: publicFn,
    access: 'public',
    summary: "Save a contact's topic choices",
    tags: ['Unsubscribe'],
    params: Token,
    body: named(
      'PreferencesForm',
      lazy(() => z.record(z.string(), z.union([z.string(), z.array(z.string())]))),
    ),
    bodyEncoding: 'form',
    idempotent: false,
    response: { ...Html, description: 'A page confirming what the contact will receive.' },
  }),
};
