import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { PAGE_OPTIONS, pageReply, visitOf } from '../../shared/platform/pages/reply.ts';
import { submitSurveyForm, surveyForm } from '../../shared/surveys/form.ts';
import { surveyPublicRoutes } from '../app/surveys-public.ts';

export const handler = httpHandler(
  surveyPublicRoutes,
  {
    surveyForm: async (request) => {
      const { params, headers, contextFor } = request;
      const page = await surveyForm(
        params.token,
        (t) => contextFor(asTenantId(t), { type: 'public' }),
        visitOf(headers),
      );
      return pageReply(page, request);
    },
    submitSurveyForm: async (request) => {
      const { params, body, headers, contextFor } = request;
      const page = await submitSurveyForm(
        params.token,
        body ?? {},
        (t) => contextFor(asTenantId(t), { type: 'public' }),
        visitOf(headers),
      );
      return pageReply(page, request);
    },
  },
  PAGE_OPTIONS,
);
