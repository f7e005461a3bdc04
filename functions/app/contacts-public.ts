import * as z from 'zod/mini';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { named } from '../../shared/platform/schema.ts';

/**
 * The contacts module's pages opened through signed links, served by contacts-public. Apart from
 * the API's routes (contacts.ts) so that this function does not load every route of contacts-api.
 */
const publicFn = 'contacts-public';
const Token = lazy(() => z.object({ token: z.string().check(z.minLength(10), z.maxLength(2048)) }));
const Html = { status: 200, contentType: 'text/html' } as const;

export const contactPublicRoutes = {
  selfServiceForm: route({
    operationId: 'getSelfServiceForm',
    method: 'GET',
    path: '/v1/self-service/{token}',
    function: publicFn,
    access: 'public',
    summary: 'The form where a contact corrects their own data',
    tags: ['Self-service'],
    params: Token,
    response: { ...Html, description: 'An HTML form, or a page saying the link expired or does not work.' },
  }),
  submitSelfService: route({
    operationId: 'submitSelfServiceForm',
    method: 'POST',
    path: '/v1/self-service/{token}',
    function: publicFn,
    access: 'public',
    summary: "Save the contact's corrections",
    tags: ['Self-service'],
    params: Token,
    body: named(
      'SelfServiceForm',
      lazy(() => z.record(z.string(), z.union([z.string(), z.array(z.string())]))),
    ),
    bodyEncoding: 'form',
    idempotent: false,
    response: { ...Html, description: 'A thank-you page, or the form again with what to correct.' },
  }),
  calendarFeedDocument: route({
    operationId: 'getCalendarFeedDocument',
    method: 'GET',
    path: '/v1/calendar-feeds/{token}',
    function: publicFn,
    access: 'public',
    summary: "A member's calendar as iCalendar, for calendar apps",
    tags: ['Calendar'],
    params: Token,
    response: { status: 200, contentType: 'text/calendar', description: 'An iCalendar (RFC 5545) document.' },
  }),
};
