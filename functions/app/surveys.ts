import * as z from 'zod/mini';
import { anyMember, customerFacing, type Role } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, Limit, named, PageQuery, page } from '../../shared/platform/schema.ts';
import {
  PaperResponseCreate,
  PaperWave,
  PaperWaveCreate,
  Survey,
  SurveyCreate,
  SurveyResponse,
  SurveyResults,
  SurveyUpdate,
  Wave,
} from '../../shared/surveys/schema.ts';
import { surveyPublicRoutes } from './surveys-public.ts';
import { defineModule } from './types.ts';

const fn = 'surveys-api';
const tags = ['Surveys'];
const ById = lazy(() => z.object({ id: Id }));
/** Customer satisfaction is run by marketing and support (and admins). */
const editors: readonly Role[] = ['admin', 'marketing', 'support'];
const Html = { status: 200, contentType: 'text/html' } as const;

const ResponseWithContact = named(
  'SurveyResponseWithContact',
  lazy(() =>
    z.extend(SurveyResponse, {
      contact: z.optional(
        z.object({ id: Id, firstName: z.string(), lastName: z.string(), email: z.optional(z.string()) }),
      ),
    }),
  ),
);

export const surveyRoutes = {
  createSurvey: route({
    operationId: 'createSurvey',
    method: 'POST',
    path: '/v1/surveys',
    references: {
      'audience.lists.*': 'list',
      'audience.segments.*': 'segment',
      'audience.excludeLists.*': 'list',
      'audience.excludeSegments.*': 'segment',
      'audience.contactIds.*': 'contact',
      topicId: 'topic',
    },
    function: fn,
    access: editors,
    summary: 'Create a survey',
    description:
      'Questions: `nps` (0–10), `csat` (1–5), `rating` (1–7), `single_choice`, `multiple_choice` (with `choices`) ' +
      'and `text` (with `maxLength`), each `required` (default) or not. The survey starts as a draft.',
    tags,
    body: SurveyCreate,
    response: { status: 201, schema: Survey },
    versioned: true,
    errors: ['unprocessable'],
  }),
  listSurveys: route({
    operationId: 'listSurveys',
    method: 'GET',
    path: '/v1/surveys',
    function: fn,
    access: anyMember,
    summary: 'List surveys, newest first',
    tags,
    query: PageQuery,
    response: { status: 200, schema: page('SurveyPage', Survey) },
  }),
  getSurvey: route({
    operationId: 'getSurvey',
    method: 'GET',
    path: '/v1/surveys/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a survey',
    tags,
    params: ById,
    response: { status: 200, schema: Survey },
    versioned: true,
  }),
  updateSurvey: route({
    operationId: 'updateSurvey',
    method: 'PATCH',
    path: '/v1/surveys/{id}',
    resource: 'survey',
    references: {
      'audience.lists.*': 'list',
      'audience.segments.*': 'segment',
      'audience.excludeLists.*': 'list',
      'audience.excludeSegments.*': 'segment',
      'audience.contactIds.*': 'contact',
      topicId: 'topic',
    },
    function: fn,
    access: editors,
    summary: 'Change a survey, its distribution or its status',
    description:
      'Editing the content of a revision that was already sent starts a new revision; answers keep the revision ' +
      'they answered. `status: active` starts the schedule (a survey mailed on a schedule needs an audience); ' +
      '`closed` stops waves and answers.',
    tags,
    params: ById,
    body: SurveyUpdate,
    response: { status: 200, schema: Survey },
    versioned: true,
    errors: ['conflict', 'precondition_failed'],
  }),
  surveyResults: route({
    operationId: 'getSurveyResults',
    method: 'GET',
    path: '/v1/surveys/{id}/results',
    function: fn,
    access: anyMember,
    summary: "Read a survey's results",
    description:
      'Response rate, NPS (% promoters 9–10 minus % detractors 0–6), CSAT average and per-question distributions: ' +
      'overall, per revision and per wave, oldest wave first (with its calendar quarter) so trends read across.',
    tags,
    params: ById,
    response: { status: 200, schema: SurveyResults },
  }),
  listResponses: route({
    operationId: 'listSurveyResponses',
    method: 'GET',
    path: '/v1/surveys/{id}/responses',
    function: fn,
    access: anyMember,
    summary: "List a survey's responses with their contacts, newest first",
    tags,
    params: ById,
    query: lazy(() =>
      z.object({
        waveId: z.optional(Id),
        limit: Limit,
        cursor: z.optional(z.string().check(z.maxLength(2048))),
      }),
    ),
    response: { status: 200, schema: page('SurveyResponsePage', ResponseWithContact) },
  }),
  exportResponses: route({
    operationId: 'exportSurveyResponses',
    method: 'GET',
    path: '/v1/surveys/{id}/responses/export',
    function: fn,
    access: editors,
    summary: "Export a survey's responses as CSV",
    description:
      'Up to 1000 responses per request, newest first; the `x-next-cursor` header gives the next page and only the ' +
      'first page carries the header row. One column per question.',
    tags,
    params: ById,
    query: lazy(() =>
      z.object({ waveId: z.optional(Id), cursor: z.optional(z.string().check(z.maxLength(2048))) }),
    ),
    response: { status: 200, contentType: 'text/csv', description: 'CSV (text/csv).' },
  }),
  listWaves: route({
    operationId: 'listSurveyWaves',
    method: 'GET',
    path: '/v1/surveys/{id}/waves',
    function: fn,
    access: anyMember,
    summary: "List a survey's waves, oldest first",
    tags,
    params: ById,
    response: {
      status: 200,
      schema: named(
        'SurveyWaveList',
        lazy(() => z.object({ items: z.array(Wave) })),
      ),
    },
  }),
  createPaperWave: route({
    operationId: 'createSurveyPaperWave',
    method: 'POST',
    path: '/v1/surveys/{id}/paper-waves',
    location: '/v1/surveys/{id}/waves',
    resource: 'survey',
    references: { 'contactIds.*': 'contact' },
    function: fn,
    access: editors,
    summary: 'Prepare paper letters for some contacts',
    description:
      'Each contact gets an invitation with a short code printed on the letter; `printUrl` is the printable ' +
      'document. Answers received by post are typed in at POST /v1/survey-responses with that code.',
    tags,
    params: ById,
    body: PaperWaveCreate,
    response: { status: 201, schema: PaperWave },
    errors: ['conflict', 'unprocessable'],
  }),
  printWave: route({
    operationId: 'printSurveyWave',
    method: 'GET',
    path: '/v1/surveys/{id}/waves/{waveId}/print',
    function: fn,
    access: editors,
    summary: 'Print the letters of a paper wave',
    tags,
    params: lazy(() => z.object({ id: Id, waveId: Id })),
    response: { ...Html, description: 'A printable HTML document, one page per letter.' },
    errors: ['conflict'],
  }),
  createPaperResponse: route({
    operationId: 'createPaperSurveyResponse',
    method: 'POST',
    path: '/v1/survey-responses',
    function: fn,
    access: customerFacing,
    summary: 'Type in the answers of a paper letter',
    description:
      'Identified by the code printed on the letter; a code that names no letter is a 404. Bad answers are a 400 at ' +
      '`body.answers.<question id>`; a letter answered already is a 409.',
    tags,
    body: PaperResponseCreate,
    response: { status: 201, schema: SurveyResponse },
    errors: ['conflict', 'unprocessable'],
  }),
  getResponse: route({
    operationId: 'getSurveyResponse',
    method: 'GET',
    path: '/v1/survey-responses/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a survey response',
    tags,
    params: ById,
    response: { status: 200, schema: SurveyResponse },
  }),
};

/** The answer form, opened from an invitation's signed link by people without an API key. */
export const surveys = /* @__PURE__ */ defineModule({
  name: 'surveys',
  tags: {
    Surveys: 'Customer satisfaction surveys: questions, waves by email or on paper, responses and results.',
    'Survey forms': 'The pages where contacts answer surveys.',
  },
  functions: [
    {
      name: 'surveys-api',
      entry: 'functions/http/surveys.ts',
      description: 'Surveys, waves, responses and results over HTTP.',
      permissions: ['table:tenant'],
    },
    {
      name: 'surveys-public',
      entry: 'functions/http/surveys-public.ts',
      description: 'The survey answer form, opened through signed links.',
      permissions: ['table:tenant', 'secrets:read'],
    },
    {
      name: 'surveys-timers',
      entry: 'functions/events/survey-timers.ts',
      description: "Keeps the one-time schedule of each survey's next wave.",
      permissions: ['schedules:manage'],
    },
    {
      name: 'surveys-jobs',
      entry: 'functions/jobs/surveys.ts',
      description: 'Starts survey waves when their schedule fires.',
      permissions: ['table:write'],
    },
    {
      name: 'surveys-events',
      entry: 'functions/events/survey-events.ts',
      description:
        "Anonymizes erased contacts' answers, moves merged contacts' ones, counts the invitations a wave mailed.",
      permissions: ['table:write'],
    },
  ],
  routes: [surveyRoutes, surveyPublicRoutes],
  rules: [
    {
      name: 'survey-timers',
      description: "A survey's pending wave changed: move its schedule.",
      bus: 'domain',
      pattern: { source: ['funnel.surveys'], 'detail-type': ['SurveyScheduleSaved'] },
      target: 'surveys-timers',
    },
    {
      name: 'survey-contacts',
      description: 'Erased and merged contacts: their survey records follow.',
      bus: 'domain',
      pattern: { source: ['funnel.contacts'], 'detail-type': ['ContactErased', 'ContactsMerged'] },
      target: 'surveys-events',
    },
    {
      name: 'survey-mailings',
      description: "A survey wave's mailing completed: the wave records how many invitations it sent.",
      bus: 'domain',
      pattern: {
        source: ['funnel.marketing'],
        detail: { kind: ['survey'] },
        'detail-type': ['MailingCompleted'],
      },
      target: 'surveys-events',
    },
  ],
  schedules: [
    {
      name: 'survey-wave',
      description: 'Starts one wave of a survey (one schedule per pending wave).',
      target: 'surveys-jobs',
      kind: 'one-time',
    },
  ],
});
