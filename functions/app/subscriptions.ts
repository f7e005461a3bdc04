import * as z from 'zod/mini';
import { anyMember } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, named } from '../../shared/platform/schema.ts';
import {
  Plan,
  PlanAssignment,
  PlanId,
  PlanInput,
  Subscription,
  TenantOverview,
} from '../../shared/subscriptions/schema.ts';
import { LinkKeyRotation, LinkKeys } from '../../shared/tenancy/schema.ts';
import { TenantDeletion, TenantExport, TenantExportRequested } from '../../shared/tenant-exit/schema.ts';
import { defineModule } from './types.ts';

const tags = ['Subscriptions'];
const operator = 'operator' as const;
const ByTenant = lazy(() => z.object({ tenantId: Id }));

export const subscriptionRoutes = {
  getSubscription: route({
    operationId: 'getSubscription',
    method: 'GET',
    path: '/v1/subscription',
    function: 'subscriptions-api',
    access: anyMember,
    unmetered: true,
    summary: "Read the tenant's plan, seats, usage and quotas",
    description:
      "A seat is an active member: adding a member beyond the plan's seats answers 409 naming the limit; deactivating one frees its seat. Usage is measured once a day (docs/subscriptions.md).",
    tags,
    response: { status: 200, schema: Subscription },
  }),
};

/** The operator's API: only an operator key reaches it; to anyone else it does not exist (404). */
export const operatorRoutes = {
  listPlans: route({
    operationId: 'listPlans',
    method: 'GET',
    path: '/v1/operator/plans',
    function: 'operator-api',
    access: operator,
    summary: 'List the plans',
    tags,
    response: {
      status: 200,
      schema: named(
        'PlanList',
        lazy(() => z.object({ items: z.array(Plan) })),
      ),
    },
  }),
  putPlan: route({
    operationId: 'putPlan',
    method: 'PUT',
    path: '/v1/operator/plans/{planId}',
    function: 'operator-api',
    access: operator,
    summary: 'Create or change a plan',
    description: 'Tenants already on the plan keep their terms until the plan is assigned to them again.',
    tags,
    params: lazy(() => z.object({ planId: PlanId })),
    body: PlanInput,
    response: { status: 200, schema: Plan },
    errors: ['conflict'],
  }),
  assignPlan: route({
    operationId: 'assignPlan',
    method: 'PUT',
    path: '/v1/operator/tenants/{tenantId}/subscription',
    function: 'operator-api',
    access: operator,
    summary: 'Put a tenant on a plan',
    description:
      'A plan with fewer seats than the tenant has active members answers 409 listing the members (`activeMembers`) to deactivate first. ' +
      'The operator tenant is put on no plan: 409 `operator_tenant`.',
    tags,
    params: ByTenant,
    body: PlanAssignment,
    response: { status: 200, schema: Subscription },
    errors: ['conflict'],
  }),
  startTenantExport: route({
    operationId: 'startTenantExportAsOperator',
    method: 'POST',
    path: '/v1/operator/tenants/{tenantId}/exports',
    location: '/v1/operator/tenants/{tenantId}/exports/{id}',
    function: 'operator-api',
    access: operator,
    summary: "Export every record of a tenant (the tenant's own export job)",
    tags,
    params: ByTenant,
    response: { status: 202, schema: TenantExportRequested },
  }),
  getTenantExport: route({
    operationId: 'getTenantExportAsOperator',
    method: 'GET',
    path: '/v1/operator/tenants/{tenantId}/exports/{id}',
    function: 'operator-api',
    access: operator,
    summary: "Follow a tenant's export; once completed, its download addresses",
    tags,
    params: lazy(() => z.object({ tenantId: Id, id: Id })),
    response: { status: 200, schema: TenantExport },
  }),
  deleteTenant: route({
    operationId: 'deleteTenantAsOperator',
    method: 'POST',
    path: '/v1/operator/tenants/{tenantId}/deletion',
    function: 'operator-api',
    access: operator,
    summary: 'Delete a tenant: requested and confirmed at once, removed after the grace period',
    description:
      'The tenant is frozen at once and removed after the grace period, as when its admin confirms a deletion; its admin can still cancel (docs/tenant-exit.md). ' +
      'The operator tenant cannot be deleted: 409 `operator_tenant`.',
    tags,
    params: ByTenant,
    response: { status: 200, schema: TenantDeletion },
    errors: ['conflict'],
  }),
  rotateTenantLinkKeys: route({
    operationId: 'rotateTenantLinkKeysAsOperator',
    method: 'POST',
    path: '/v1/operator/tenants/{tenantId}/link-keys/rotate',
    function: 'operator-api',
    access: operator,
    summary: "Rotate the key that signs a tenant's links",
    description: 'As the tenant admin\'s own rotation: `retirePrevious: "now"` after a leak.',
    tags,
    params: ByTenant,
    body: LinkKeyRotation,
    response: { status: 200, schema: LinkKeys },
    errors: ['conflict'],
  }),
  getTenantOverview: route({
    operationId: 'getTenantOverview',
    method: 'GET',
    path: '/v1/operator/tenants/{tenantId}',
    function: 'operator-api',
    access: operator,
    summary: "Read a tenant's subscription, seats, recent usage and statements",
    tags,
    params: ByTenant,
    response: { status: 200, schema: TenantOverview },
  }),
};

export const subscriptions = /* @__PURE__ */ defineModule({
  name: 'subscriptions',
  tags: { Subscriptions: 'Plans, seats, usage and quotas: what the tenant pays for and may use.' },
  functions: [
    {
      name: 'subscriptions-api',
      entry: 'functions/http/subscriptions.ts',
      description: "Answers the tenant's view of its subscription.",
      permissions: ['table:tenant'],
    },
    {
      name: 'operator-api',
      entry: 'functions/http/operator.ts',
      description:
        "The operator's API: plans, putting tenants on them, a tenant's export, deletion and link keys.",
      permissions: ['table:tenant', 'queues:send', 'bucket:tenant-exports:read', 'schedules:manage'],
    },
    {
      name: 'meter-usage',
      entry: 'functions/jobs/meter-usage.ts',
      description:
        "Records a tenant's day of usage after its midnight; the month's last day becomes a statement the operator tenant invoices.",
      permissions: ['table:read', 'table:write', 'events:put'],
    },
    {
      name: 'meter-mail',
      entry: 'functions/events/meter-mail.ts',
      description: "Counts each email SES accepted towards its tenant's usage, once per message.",
      permissions: ['table:write'],
    },
    {
      name: 'meter-api-calls',
      entry: 'functions/events/meter-api-calls.ts',
      description: "Counts each tenant's API calls per day from batches of the API's access log.",
      permissions: ['table:write'],
    },
  ],
  routes: [subscriptionRoutes, operatorRoutes],
  rules: [
    {
      name: 'meter-mail',
      description: "SES's Send events (on the account's default bus): emails sent per tenant and day.",
      bus: 'default',
      pattern: { source: ['aws.ses'], 'detail-type': ['Email Sent'] },
      target: 'meter-mail',
      targetKind: 'queue',
    },
  ],
  queues: [
    {
      // One Send event per email: counted 40 to a transaction, not one invocation and one
      // transaction each (the tenant's settings read once per batch).
      name: 'meter-mail',
      description: "SES's Send events, handed to meter-mail in batches.",
      consumer: 'meter-mail',
      batchSize: 100,
      visibilityTimeoutSeconds: 360,
      maxReceiveCount: 5,
      maxConcurrency: 2,
    },
  ],
  accessLogConsumers: [
    {
      name: 'meter-api-calls',
      description: "The API's access log, lines of tenants' requests: API calls per tenant and day.",
      consumer: 'meter-api-calls',
    },
  ],
  schedules: [
    {
      name: 'meter-usage',
      description: "Daily, just after the tenant's midnight: the day that ended, and on the 1st the month.",
      target: 'meter-usage',
      kind: 'per-tenant',
      expression: 'cron(20 0 * * ? *)',
    },
  ],
});
