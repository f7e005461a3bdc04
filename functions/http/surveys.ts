import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { PAGE_OPTIONS } from '../../shared/platform/pages/options.ts';
import { getSurvey } from '../../shared/surveys/records.ts';
import { createSurvey, listSurveys, updateSurvey } from '../../shared/surveys/surveys.ts';
import { recordKinds } from '../app/records.ts';
import { surveyRoutes } from '../app/surveys.ts';

/*
 * Surveys themselves load with the function. Results, responses, waves and the printed paper wave
 * (with the page renderer) load on their first request, so a cold start does not load them all.
 */
const results = () => import('../../shared/surveys/report.ts');
const responses = () => import('../../shared/surveys/responses.ts');
const waves = () => import('../../shared/surveys/waves.ts');
const pages = () => import('../../shared/platform/pages/reply.ts');
const print = () => import('../../shared/surveys/print.tsx');

export const handler = httpHandler(
  surveyRoutes,
  {
    createSurvey: ({ ctx, body }) => createSurvey(ctx, body),
    listSurveys: ({ ctx, query }) => listSurveys(ctx, query),
    getSurvey: ({ ctx, params }) => getSurvey(ctx, params.id),
    updateSurvey: ({ ctx, params, body, ifMatch }) => updateSurvey(ctx, params.id, body, ifMatch),
    surveyResults: async ({ ctx, params }) => (await results()).surveyResults(ctx, params.id),
    listResponses: async ({ ctx, params, query }) => (await responses()).listResponses(ctx, params.id, query),
    exportResponses: async ({ ctx, params, query }) => {
      const page = await (await responses()).exportResponses(ctx, params.id, query);
      return reply(page.body, {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
        },
      });
    },
    listWaves: async ({ ctx, params }) => {
      await getSurvey(ctx, params.id);
      return { items: await (await waves()).listWaves(ctx, params.id) };
    },
    createPaperWave: async ({ ctx, params, body }) =>
      (await waves()).startPaperWave(ctx, params.id, body.contactIds),
    printWave: async (request) => {
      const [{ printPaperWave }, { pageReply }] = await Promise.all([print(), pages()]);
      return pageReply(await printPaperWave(request.ctx, request.params.id, request.params.waveId), request);
    },
    createPaperResponse: async ({ ctx, body }) => (await responses()).recordPaperResponse(ctx, body),
    getResponse: async ({ ctx, params }) => (await responses()).getResponse(ctx, params.id),
  },
  {
    ...PAGE_OPTIONS,
    records: recordKinds,
  },
);
