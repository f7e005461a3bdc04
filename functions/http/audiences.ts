import {
  createTopic,
  getTopic,
  listTopics,
  setSubscription,
  subscriptionsOf,
  updateTopic,
} from '../../shared/marketing/topics.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import { audienceRoutes } from '../app/marketing-audiences.ts';
import { recordKinds } from '../app/records.ts';

/*
 * Who marketing email goes to: topics, lists, segments and suppressed addresses
 * (functions/app/marketing-audiences.ts). Topics, which every other screen of a marketer's work
 * names, load at cold start; each other feature on its routes' first request, so a cold start
 * does not parse segment evaluation or list imports.
 */
const lists = () => import('../../shared/marketing/lists.ts');
const listImports = () => import('../../shared/marketing/list-imports.ts');
const segments = () => import('../../shared/marketing/segments.ts');
const suppressions = () => import('../../shared/marketing/suppressions.ts');

export const handler = httpHandler(
  audienceRoutes,
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

    listSuppressions: async ({ ctx, query }) => (await suppressions()).listTenantSuppressions(ctx, query),
    addSuppression: async ({ ctx, body }) => (await suppressions()).addSuppression(ctx, body),
    removeSuppression: async ({ ctx, params }) => {
      await (await suppressions()).removeSuppression(ctx, params.email);
      return noContent();
    },
  },
  { records: recordKinds },
);
