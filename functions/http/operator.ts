import { operatorTenantId } from '../../shared/operator/config.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { type HttpRequest, httpHandler, reply } from '../../shared/platform/http/handler.ts';
import type { AnyRoute } from '../../shared/platform/http/route.ts';
import { listPlans, putPlan } from '../../shared/subscriptions/plans.ts';
import { assignPlan, tenantOverview } from '../../shared/subscriptions/subscriptions.ts';
import { rotateLinkKeys } from '../../shared/tenancy/link-keys.ts';
import { getTenant } from '../../shared/tenancy/records.ts';
import { confirmDeletion, requestDeletion } from '../../shared/tenant-exit/deletion.ts';
import { getExport, startExport } from '../../shared/tenant-exit/exports.ts';
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
  startTenantExport: async (request) => {
    const { tenantId } = request.params;
    const ctx = forTenant(request, tenantId);
    await getTenant(ctx);
    const started = await startExport(ctx);
    return reply(started, {
      status: 202,
      headers: { location: `/v1/operator/tenants/${tenantId}/exports/${started.id}` },
    });
  },
  getTenantExport: (request) => getExport(forTenant(request, request.params.tenantId), request.params.id),
  deleteTenant: async (request) => {
    const ctx = forTenant(request, request.params.tenantId);
    const requested = await requestDeletion(ctx);
    return confirmDeletion(ctx, requested.confirmationToken);
  },
  rotateTenantLinkKeys: (request) =>
    rotateLinkKeys(forTenant(request, request.params.tenantId), request.body),
});
