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
import {
  createTopic,
  getTopic,
  listTopics,
  setSubscription,
  subscriptionsOf,
  updateTopic,
} from '../../shared/marketing/topics.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import { marketingRoutes } from '../app/marketing.ts';
import { recordKinds } from '../app/records.ts';

/*
 * Campaigns, templates and topics are read and written at every step of a marketer's work, and a
 * campaign's record needs the other two: they load at cold start. Each other feature loads on its
 * routes' first request, so a cold start does not parse every feature's code (the sending
 * pipeline, segment evaluation, list imports, the email renderer).
 */
const sending = () => import('../../shared/marketing/campaign-sending.ts');
const previews = () => import('../../shared/marketing/previews.ts');
const lists = () => import('../../shared/marketing/lists.ts');
const listImports = () => import('../../shared/marketing/list-imports.ts');
const segments = () => import('../../shared/marketing/segments.ts');
const newsletters = () => import('../../shared/marketing/newsletters.ts');
const suppressions = () => import('../../shared/marketing/suppressions.ts');

export const handler = httpHandler(
  marketingRoutes,
  {
    listTopics: async ({ ctx }) => ({ items: await listTopics(ctx) }),
    createTopic: ({ ctx, body }) => createTopic(ctx, body),
    getTopic: ({ ctx, params }) => getTopic(ctx, params.id),
    updateTopic: ({ ctx, params, body, ifMatch }) => updateTopic(ctx, params.id, body, ifMatch),
    listContactSubscriptions: async ({ ctx, params }) => ({ items: await subscriptionsOf(ctx, params.id) }),
    setContactSubscription: ({ ctx, params, body }) => setSubscription(ctx, params.id, params.topicId, body),

    createList: async ({ ctx, body }) => (await lists()).createList(ctx, body),
    listLists: async ({ ctx, query }) => (await lists()).listLists(ctx, query),
    getList: async ({ ctx, params }) => (await lists()).getList(ctx, params.id),
    updateList: async ({ ctx, params, body, ifMatch }) =>
      (await lists()).updateList(ctx, params.id, body, ifMatch),
    deleteList: async ({ ctx, params, ifMatch }) => {
      await (await lists()).deleteList(ctx, params.id, ifMatch);
      return noContent();
    },
    listListMembers: async ({ ctx, params, query }) => (await lists()).listMembers(ctx, params.id, query),
    addListMembers: async ({ ctx, params, body }) =>
      (await lists()).addMembers(ctx, params.id, body.contactIds),
    removeListMembers: async ({ ctx, params, body }) =>
      (await lists()).removeMembers(ctx, params.id, body.contactIds),
    importListMembers: async ({ ctx, params, body }) =>
      (await listImports()).importMembers(ctx, params.id, body ?? ''),

    createSegment: async ({ ctx, body }) => (await segments()).createSegment(ctx, body),
    listSegments: async ({ ctx, query }) => (await segments()).listSegments(ctx, query),
    getSegment: async ({ ctx, params }) => (await segments()).getSegment(ctx, params.id),
    updateSegment: async ({ ctx, params, body, ifMatch }) =>
      (await segments()).updateSegment(ctx, params.id, body, ifMatch),
    deleteSegment: async ({ ctx, params }) => {
      await (await segments()).deleteSegment(ctx, params.id);
      return noContent();
    },
    previewSegment: async ({ ctx, params }) => (await segments()).previewSegment(ctx, params.id),

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

    listSuppressions: async ({ ctx, query }) => (await suppressions()).listTenantSuppressions(ctx, query),
    addSuppression: async ({ ctx, body }) => (await suppressions()).addSuppression(ctx, body),
    removeSuppression: async ({ ctx, params }) => {
      await (await suppressions()).removeSuppression(ctx, params.email);
      return noContent();
    },
  },
  { records: recordKinds },
);
