import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { PAGE_OPTIONS, pageReply } from '../../shared/platform/pages/reply.ts';
import { printPaperWave } from '../../shared/surveys/print.tsx';
import { getSurvey } from '../../shared/surveys/records.ts';
import { surveyResults } from '../../shared/surveys/report.ts';
import {
  exportResponses,
  getResponse,
  listResponses,
  recordPaperResponse,
} from '../../shared/surveys/responses.ts';
import { createSurvey, listSurveys, updateSurvey } from '../../shared/surveys/surveys.ts';
import { listWaves, startPaperWave } from '../../shared/surveys/waves.ts';
import { recordKinds } from '../app/records.ts';
import { surveyRoutes } from '../app/surveys.ts';

export const handler = httpHandler(
  surveyRoutes,
  {
    createSurvey: ({ ctx, body }) => createSurvey(ctx, body),
    listSurveys: ({ ctx, query }) => listSurveys(ctx, query),
    getSurvey: ({ ctx, params }) => getSurvey(ctx, params.id),
    updateSurvey: ({ ctx, params, body, ifMatch }) => updateSurvey(ctx, params.id, body, ifMatch),
    surveyResults: ({ ctx, params }) => surveyResults(ctx, params.id),
    listResponses: ({ ctx, params, query }) => listResponses(ctx, params.id, query),
    exportResponses: async ({ ctx, params, query }) => {
      const page = await exportResponses(ctx, params.id, query);
      return reply(page.body, {
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
        },
      });
    },
    listWaves: async ({ ctx, params }) => {
      await getSurvey(ctx, params.id);
      return { items: await listWaves(ctx, params.id) };
    },
    createPaperWave: ({ ctx, params, body }) => startPaperWave(ctx, params.id, body.contactIds),
    printWave: async (request) =>
      pageReply(await printPaperWave(request.ctx, request.params.id, request.params.waveId), request),
    createPaperResponse: ({ ctx, body }) => recordPaperResponse(ctx, body),
    getResponse: ({ ctx, params }) => getResponse(ctx, params.id),
  },
  { ...PAGE_OPTIONS, records: recordKinds },
);
