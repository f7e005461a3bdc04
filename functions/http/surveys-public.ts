import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler } from '../../shared/platform/http/handler.ts';
import { PAGE_OPTIONS, pageReply, visitOf } from '../../shared/platform/pages/reply.ts';
import { submitSurveyForm, surveyForm } from '../../shared/surveys/form.ts';
import { surveyPublicRoutes } from '../app/surveys.ts';

export const handler = httpHandler(
  surveyPublicRoutes,
  {
    surveyForm: async ({ params, headers, contextFor }) =>
      pageReply(
        await surveyForm(
          params.token,
          (t) => contextFor(asTenantId(t), { type: 'public' }),
          visitOf(headers),
        ),
      ),
    submitSurveyForm: async ({ params, body, headers, contextFor }) =>
      pageReply(
        await submitSurveyForm(
          params.token,
          body ?? {},
          (t) => contextFor(asTenantId(t), { type: 'public' }),
          visitOf(headers),
        ),
      ),
  },
  PAGE_OPTIONS,
);
