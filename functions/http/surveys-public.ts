import { asTenantId } from '../../shared/platform/db/keys.ts';
import { httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { FORM_HEADERS, submitSurveyForm, surveyForm } from '../../shared/surveys/form.ts';
import { surveyPublicRoutes } from '../app/surveys.ts';

const html = (page: { status: number; html: string }) =>
  reply(page.html, { status: page.status, headers: FORM_HEADERS });

export const handler = httpHandler(surveyPublicRoutes, {
  surveyForm: async ({ params, contextFor }) =>
    html(await surveyForm(params.token, (t) => contextFor(asTenantId(t), { type: 'public' }), new Date())),
  submitSurveyForm: async ({ params, body, contextFor }) =>
    html(
      await submitSurveyForm(
        params.token,
        body ?? {},
        (t) => contextFor(asTenantId(t), { type: 'public' }),
        new Date(),
      ),
    ),
});
