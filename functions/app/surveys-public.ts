import * as z from 'zod/mini';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { named } from '../../shared/platform/schema.ts';

/**
 * The routes of the survey answer form, apart from the API's: the function that serves them
 * imports only these, not every survey route and the survey schemas (about 25 KB at each cold start).
 */
const publicFn = 'surveys-public';
const Html = { status: 200, contentType: 'text/html' } as const;
const Token = lazy(() => z.object({ token: z.string().check(z.minLength(10), z.maxLength(2048)) }));

export const surveyPublicRoutes = {
  surveyForm: route({
    operationId: 'getSurveyForm',
    method: 'GET',
    path: '/v1/survey-forms/{token}',
    function: publicFn,
    access: 'public',
    summary: 'The form where a contact answers a survey',
    tags: ['Survey forms'],
    params: Token,
    response: {
      ...Html,
      description: 'An HTML form, or a page saying the link expired, was answered or does not work.',
    },
  }),
  submitSurveyForm: route({
    operationId: 'submitSurveyForm',
    method: 'POST',
    path: '/v1/survey-forms/{token}',
    function: publicFn,
    access: 'public',
    summary: 'Send the answers of a survey',
    tags: ['Survey forms'],
    params: Token,
    body: named(
      'SurveyForm',
      lazy(() => z.record(z.string(), z.union([z.string(), z.array(z.string())]))),
    ),
    bodyEncoding: 'form',
    idempotent: false,
    response: {
      ...Html,
      description: 'A thank-you page, or the form again with each problem next to its question.',
    },
  }),
};
