import {
  createCampaign,
  getCampaign,
  listCampaigns,
  updateCampaign,
} from '../../shared/marketing/campaigns.ts';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  updateTemplate,
} from '../../shared/marketing/templates.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import { campaignRoutes } from '../app/marketing-campaigns.ts';
import { recordKinds } from '../app/records.ts';

/*
 * Templates, campaigns and newsletters (functions/app/marketing-campaigns.ts; topics, lists,
 * segments and suppressions are audiences-api's). Campaigns and templates are read and written at
 * every step of a marketer's work: they load at cold start. Each other feature loads on its
 * routes' first request, so a cold start does not parse every feature's code (the sending
 * pipeline, the email renderer, newsletters).
 */
const sending = () => import('../../shared/marketing/campaign-sending.ts');
const previews = () => import('../../shared/marketing/previews.ts');
const newsletters = () => import('../../shared/marketing/newsletters.ts');

export const handler = httpHandler(
  campaignRoutes,
  {
    createTemplate: ({ ctx, body }) => createTemplate(ctx, body),
    listTemplates: ({ ctx, query }) => listTemplates(ctx, query),
    getTemplate: ({ ctx, params }) => getTemplate(ctx, params.id),
    updateTemplate: ({ ctx, params, body, ifMatch }) => updateTemplate(ctx, params.id, body, ifMatch),
    deleteTemplate: async ({ ctx, params }) => {
      await deleteTemplate(ctx, params.id);
      return noContent();
    },
    previewTemplate: async ({ ctx, params, body }) =>
      (await previews()).previewTemplate(ctx, params.id, body.contactId),

    createCampaign: ({ ctx, body }) => createCampaign(ctx, body),
    listCampaigns: ({ ctx, query }) => listCampaigns(ctx, query),
    getCampaign: ({ ctx, params }) => getCampaign(ctx, params.id),
    updateCampaign: ({ ctx, params, body, ifMatch }) => updateCampaign(ctx, params.id, body, ifMatch),
    scheduleCampaign: async ({ ctx, params, body }) =>
      (await sending()).scheduleCampaign(ctx, params.id, body),
    sendCampaign: async ({ ctx, params }) => (await sending()).sendCampaignNow(ctx, params.id),
    cancelCampaign: async ({ ctx, params }) => (await sending()).cancelCampaign(ctx, params.id),
    pauseCampaign: async ({ ctx, params, principal }) =>
      (await sending()).pauseCampaign(ctx, params.id, `member ${principal!.memberId}`),
    resumeCampaign: async ({ ctx, params }) => (await sending()).resumeCampaign(ctx, params.id),
    testSendCampaign: async ({ ctx, params, body, principal }) =>
      (await sending()).testSendCampaign(ctx, params.id, body, principal!.memberId),
    campaignRecipient: async ({ ctx, params }) =>
      (await sending()).campaignRecipient(ctx, params.id, params.contactId),
    campaignStats: async ({ ctx, params }) => (await sending()).campaignStats(ctx, params.id),

    createNewsletter: async ({ ctx, body }) => (await newsletters()).createNewsletter(ctx, body),
    listNewsletters: async ({ ctx, query }) => (await newsletters()).listNewsletters(ctx, query),
    getNewsletter: async ({ ctx, params }) => (await newsletters()).getNewsletter(ctx, params.id),
    updateNewsletter: async ({ ctx, params, body, ifMatch }) =>
      (await newsletters()).updateNewsletter(ctx, params.id, body, ifMatch),
    deleteNewsletter: async ({ ctx, params }) => {
      await (await newsletters()).deleteNewsletter(ctx, params.id);
      return noContent();
    },
    listNewsletterRuns: async ({ ctx, params, query }) =>
      (await newsletters()).listRuns(ctx, params.id, query),
  },
  { records: recordKinds },
);
