import { operatorTenantId } from '../../shared/operator/config.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { type HttpRequest, httpHandler } from '../../shared/platform/http/handler.ts';
import type { AnyRoute } from '../../shared/platform/http/route.ts';
import { listPlans, putPlan } from '../../shared/subscriptions/plans.ts';
import { assignPlan, tenantOverview } from '../../shared/subscriptions/subscriptions.ts';
import { operatorRoutes } from '../app/subscriptions.ts';

const actor = { type: 'system', process: 'operator' } as const;
const asOperator = (request: HttpRequest<AnyRoute>) => request.contextFor(operatorTenantId(), actor);
const forTenant = (request: HttpRequest<AnyRoute>, tenantId: string) =>
  request.contextFor(asTenantId(tenantId), actor);

export const handler = httpHandler(operatorRoutes, {
  listPlans: async (request) => ({ items: await listPlans(asOperator(request)) }),
  putPlan: (request) => putPlan(asOperator(request), request.params.planId, request.body),
  assignPlan: (request) =>
    assignPlan(asOperator(request), forTenant(request, request.params.tenantId), request.body.planId),
  getTenantOverview: (request) => tenantOverview(forTenant(request, request.params.tenantId)),
});
