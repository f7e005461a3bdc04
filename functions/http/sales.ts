import { httpHandler } from '../../shared/platform/http/handler.ts';
import { createDeal, dealStageHistory, getDeal, listDeals, updateDeal } from '../../shared/sales/deals.ts';
import {
  createPipeline,
  getPipeline,
  listPipelines,
  listStageChanges,
  pipelineFunnel,
  updatePipeline,
} from '../../shared/sales/pipelines.ts';
import { expandableKinds } from '../app/expansions.ts';
import { recordKinds } from '../app/records.ts';
import { pipelineRoutes } from '../app/sales-pipeline.ts';

/*
 * Leads, pipelines and deals (functions/app/sales-pipeline.ts; the catalogue, quotes, orders and purchasing
 * are commerce-api's). Deals and their pipelines, the module's main records, load with the
 * function; leads and their assignment load on their first request.
 */
const leads = () => import('../../shared/sales/leads.ts');
const assignment = () => import('../../shared/sales/assignment.ts');

/** Lists "of an owner" default to the caller; `unassigned` asks for records nobody owns. */
const ownerOrCaller = (ownerId: string | undefined, memberId: string) => ownerId ?? memberId;

export const handler = httpHandler(
  pipelineRoutes,
  {
    createLead: async ({ ctx, body }) => (await leads()).createLead(ctx, body),
    listLeads: async ({ ctx, query }) => (await leads()).listLeads(ctx, query),
    getLead: async ({ ctx, params }) => (await leads()).getLead(ctx, params.id),
    updateLead: async ({ ctx, params, body, ifMatch }) =>
      (await leads()).updateLead(ctx, params.id, body, ifMatch),
    convertLead: async ({ ctx, params, body }) => (await leads()).convertLead(ctx, params.id, body),
    getLeadAssignmentRules: async ({ ctx }) => (await assignment()).getAssignmentRules(ctx),
    setLeadAssignmentRules: async ({ ctx, body, ifMatch }) =>
      (await assignment()).setAssignmentRules(ctx, body.rules, ifMatch),

    createPipeline: ({ ctx, body }) => createPipeline(ctx, body),
    listPipelines: ({ ctx, query }) => listPipelines(ctx, query),
    getPipeline: ({ ctx, params }) => getPipeline(ctx, params.id),
    updatePipeline: ({ ctx, params, body, ifMatch }) => updatePipeline(ctx, params.id, body, ifMatch),
    getPipelineFunnel: ({ ctx, params }) => pipelineFunnel(ctx, params.id),
    listStageChanges: ({ ctx, params, query }) => listStageChanges(ctx, params.id, query),

    createDeal: ({ ctx, body }) => createDeal(ctx, body),
    listDeals: ({ ctx, query, principal }) =>
      listDeals(ctx, {
        ...query,
        ownerId:
          query.ownerId === 'unassigned' ? undefined : ownerOrCaller(query.ownerId, principal!.memberId),
      }),
    getDeal: ({ ctx, params }) => getDeal(ctx, params.id),
    updateDeal: ({ ctx, params, body, ifMatch }) => updateDeal(ctx, params.id, body, ifMatch),
    getDealStageHistory: ({ ctx, params, query }) => dealStageHistory(ctx, params.id, query),
  },
  { records: recordKinds, expansions: expandableKinds },
);
