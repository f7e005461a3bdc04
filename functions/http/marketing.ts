import {
  campaignRecipient,
  campaignStats,
  cancelCampaign,
  createCampaign,
  getCampaign,
  listCampaigns,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
  sendCampaignNow,
  testSendCampaign,
  updateCampaign,
} from '../../shared/marketing/campaigns.ts';
import { importMembers } from '../../shared/marketing/list-imports.ts';
import {
  addMembers,
  createList,
  deleteList,
  getList,
  listLists,
  listMembers,
  removeMembers,
  updateList,
} from '../../shared/marketing/lists.ts';
import {
  createNewsletter,
  deleteNewsletter,
  getNewsletter,
  listNewsletters,
  listRuns,
  updateNewsletter,
} from '../../shared/marketing/newsletters.ts';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  updateSegment,
} from '../../shared/marketing/segments.ts';
import {
  addSuppression,
  listTenantSuppressions,
  removeSuppression,
} from '../../shared/marketing/suppressions.ts';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  previewTemplate,
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

export const handler = httpHandler(
  marketingRoutes,
  {
    listTopics: async ({ ctx }) => ({ items: await listTopics(ctx) }),
    createTopic: ({ ctx, body }) => createTopic(ctx, body),
    getTopic: ({ ctx, params }) => getTopic(ctx, params.id),
    updateTopic: ({ ctx, params, body, ifMatch }) => updateTopic(ctx, params.id, body, ifMatch),
    listContactSubscriptions: async ({ ctx, params }) => ({ items: await subscriptionsOf(ctx, params.id) }),
    setContactSubscription: ({ ctx, params, body }) => setSubscription(ctx, params.id, params.topicId, body),

    createList: ({ ctx, body }) => createList(ctx, body),
    listLists: ({ ctx, query }) => listLists(ctx, query),
    getList: ({ ctx, params }) => getList(ctx, params.id),
    updateList: ({ ctx, params, body, ifMatch }) => updateList(ctx, params.id, body, ifMatch),
    deleteList: async ({ ctx, params, ifMatch }) => {
      await deleteList(ctx, params.id, ifMatch);
      return noContent();
    },
    listListMembers: ({ ctx, params, query }) => listMembers(ctx, params.id, query),
    addListMembers: ({ ctx, params, body }) => addMembers(ctx, params.id, body.contactIds),
    removeListMembers: ({ ctx, params, body }) => removeMembers(ctx, params.id, body.contactIds),
    importListMembers: ({ ctx, params, body }) => importMembers(ctx, params.id, body ?? ''),

    createSegment: ({ ctx, body }) => createSegment(ctx, body),
    listSegments: ({ ctx, query }) => listSegments(ctx, query),
    getSegment: ({ ctx, params }) => getSegment(ctx, params.id),
    updateSegment: ({ ctx, params, body, ifMatch }) => updateSegment(ctx, params.id, body, ifMatch),
    deleteSegment: async ({ ctx, params }) => {
      await deleteSegment(ctx, params.id);
      return noContent();
    },
    previewSegment: ({ ctx, params }) => previewSegment(ctx, params.id),

    createTemplate: ({ ctx, body }) => createTemplate(ctx, body),
    listTemplates: ({ ctx, query }) => listTemplates(ctx, query),
    getTemplate: ({ ctx, params }) => getTemplate(ctx, params.id),
    updateTemplate: ({ ctx, params, body, ifMatch }) => updateTemplate(ctx, params.id, body, ifMatch),
    deleteTemplate: async ({ ctx, params }) => {
      await deleteTemplate(ctx, params.id);
      return noContent();
    },
    previewTemplate: ({ ctx, params, body }) => previewTemplate(ctx, params.id, body.contactId),

    createCampaign: ({ ctx, body }) => createCampaign(ctx, body),
    listCampaigns: ({ ctx, query }) => listCampaigns(ctx, query),
    getCampaign: ({ ctx, params }) => getCampaign(ctx, params.id),
    updateCampaign: ({ ctx, params, body, ifMatch }) => updateCampaign(ctx, params.id, body, ifMatch),
    scheduleCampaign: ({ ctx, params, body }) => scheduleCampaign(ctx, params.id, body),
    sendCampaign: ({ ctx, params }) => sendCampaignNow(ctx, params.id),
    cancelCampaign: ({ ctx, params }) => cancelCampaign(ctx, params.id),
    pauseCampaign: ({ ctx, params, principal }) =>
      pauseCampaign(ctx, params.id, `member ${principal!.memberId}`),
    resumeCampaign: ({ ctx, params }) => resumeCampaign(ctx, params.id),
    testSendCampaign: ({ ctx, params, body, principal }) =>
      testSendCampaign(ctx, params.id, body, principal!.memberId),
    campaignRecipient: ({ ctx, params }) => campaignRecipient(ctx, params.id, params.contactId),
    campaignStats: ({ ctx, params }) => campaignStats(ctx, params.id),

    createNewsletter: ({ ctx, body }) => createNewsletter(ctx, body),
    listNewsletters: ({ ctx, query }) => listNewsletters(ctx, query),
    getNewsletter: ({ ctx, params }) => getNewsletter(ctx, params.id),
    updateNewsletter: ({ ctx, params, body, ifMatch }) => updateNewsletter(ctx, params.id, body, ifMatch),
    deleteNewsletter: async ({ ctx, params }) => {
      await deleteNewsletter(ctx, params.id);
      return noContent();
    },
    listNewsletterRuns: ({ ctx, params, query }) => listRuns(ctx, params.id, query),

    listSuppressions: ({ ctx, query }) => listTenantSuppressions(ctx, query),
    addSuppression: ({ ctx, body }) => addSuppression(ctx, body),
    removeSuppression: async ({ ctx, params }) => {
      await removeSuppression(ctx, params.email);
      return noContent();
    },
  },
  { records: recordKinds },
);
