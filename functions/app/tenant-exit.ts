import * as z from 'zod/mini';
import { adminOnly } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id } from '../../shared/platform/schema.ts';
import { DELETION_SCHEDULE, UNVERIFIED_SCHEDULE } from '../../shared/tenant-exit/keys.ts';
import {
  TenantDeletion,
  TenantDeletionConfirmation,
  TenantDeletionRequested,
  TenantExport,
  TenantExportRequested,
} from '../../shared/tenant-exit/schema.ts';
import { defineModule } from './types.ts';

const fn = 'tenant-exit-api';
const tags = ['Tenancy'];

export const tenantExitRoutes = {
  startExport: route({
    operationId: 'startTenantExport',
    method: 'POST',
    path: '/v1/tenant/exports',
    function: fn,
    access: adminOnly,
    summary: 'Export every record the tenant has',
    description:
      'Runs in the background: every record of every module, as NDJSON files (one per kind of record) and a ' +
      'manifest with counts and SHA-256 per file. No secret is exported (no API key hashes, webhook signing ' +
      'salts, calendar feed addresses or paper survey codes). Follow it at the `Location` it answers with; ' +
      'once completed, it gives download addresses that work for an hour (docs/tenant-exit.md).',
    tags,
    whileFrozen: true,
    response: { status: 202, schema: TenantExportRequested },
  }),
  getExport: route({
    operationId: 'getTenantExport',
    method: 'GET',
    path: '/v1/tenant/exports/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Follow an export, and download it once completed',
    tags,
    params: lazy(() => z.object({ id: Id })),
    response: { status: 200, schema: TenantExport },
  }),
  requestDeletion: route({
    operationId: 'requestTenantDeletion',
    method: 'POST',
    path: '/v1/tenant/deletion',
    function: fn,
    access: adminOnly,
    summary: 'Ask for the deletion of the whole tenant',
    description:
      'Changes nothing yet: answers a confirmation token, valid for an hour, to send to ' +
      'POST /v1/tenant/deletion/confirm. A new request replaces one not confirmed (docs/tenant-exit.md).',
    tags,
    idempotent: false,
    location: '/v1/tenant/deletion',
    response: { status: 201, schema: TenantDeletionRequested },
  }),
  confirmDeletion: route({
    operationId: 'confirmTenantDeletion',
    method: 'POST',
    path: '/v1/tenant/deletion/confirm',
    function: fn,
    access: adminOnly,
    summary: 'Confirm the deletion of the whole tenant',
    description:
      'Freezes the tenant: writes answer 409 `tenant_frozen` and no mail is sent; reads and exports still ' +
      'work. Every record is removed 14 days later (`deleteAfter`) unless an admin cancels with ' +
      'DELETE /v1/tenant/deletion. Confirming again changes nothing.',
    tags,
    whileFrozen: true,
    body: TenantDeletionConfirmation,
    response: { status: 200, schema: TenantDeletion },
  }),
  getDeletion: route({
    operationId: 'getTenantDeletion',
    method: 'GET',
    path: '/v1/tenant/deletion',
    function: fn,
    access: adminOnly,
    summary: "Read where the tenant's deletion stands",
    tags,
    response: { status: 200, schema: TenantDeletion },
  }),
  cancelDeletion: route({
    operationId: 'cancelTenantDeletion',
    method: 'DELETE',
    path: '/v1/tenant/deletion',
    function: fn,
    access: adminOnly,
    summary: "Cancel the tenant's deletion during its grace period",
    description: 'Unfreezes the tenant and cancels its removal.',
    tags,
    whileFrozen: true,
    response: { status: 200, schema: TenantDeletion },
  }),
};

export const tenantExit = /* @__PURE__ */ defineModule({
  name: 'tenant-exit',
  functions: [
    {
      name: 'tenant-exit-api',
      entry: 'functions/http/tenant-exit.ts',
      description:
        "Starts and follows exports of the tenant's data; requests, confirms and cancels its deletion.",
      permissions: ['table:tenant', 'queues:send', 'bucket:tenant-exports:read', 'schedules:manage'],
    },
    {
      name: 'tenant-export',
      entry: 'functions/workers/tenant-export.ts',
      description: "Writes a tenant's every record as NDJSON files and a manifest to the exports bucket.",
      permissions: ['table:read', 'table:write', 'bucket:tenant-exports:write'],
      timeoutSeconds: 900,
      memoryMb: 1024,
    },
    {
      name: 'schedule-unverified-removal',
      entry: 'functions/events/schedule-unverified-removal.ts',
      description: 'Schedules the removal of a new tenant, should its admin never verify.',
      permissions: ['schedules:manage'],
    },
    {
      name: 'remove-unverified-tenant',
      entry: 'functions/jobs/remove-unverified-tenant.ts',
      description: 'Starts the removal of a tenant still unverified when its schedule fires.',
      permissions: ['table:read', 'queues:send'],
    },
    {
      name: 'remove-deleted-tenant',
      entry: 'functions/jobs/remove-deleted-tenant.ts',
      description: 'Starts the removal of a tenant when the grace period of its confirmed deletion ends.',
      permissions: ['table:read', 'queues:send'],
    },
    {
      name: 'tenant-purge',
      entry: 'functions/workers/tenant-purge.ts',
      description:
        'Removes a tenant: its files, schedules, SES identities, then its items, one page per message.',
      permissions: [
        'table:read',
        'table:write',
        'queues:send',
        'schedules:manage',
        'mail:identities',
        'bucket:tenant-exports:read',
        'bucket:tenant-exports:write',
        'bucket:warehouse:read',
        'bucket:warehouse:write',
        'bucket:documents:read',
        'bucket:documents:write',
        'users:manage',
      ],
      timeoutSeconds: 900,
    },
  ],
  routes: tenantExitRoutes,
  rules: [
    {
      name: 'unverified-tenant-removal',
      description:
        'A new tenant gets the one-time schedule that removes it if its admin never verifies; verifying deletes it.',
      bus: 'domain',
      pattern: { source: ['funnel.tenancy'], 'detail-type': ['TenantCreated', 'TenantVerified'] },
      target: 'schedule-unverified-removal',
    },
  ],
  schedules: [
    {
      name: UNVERIFIED_SCHEDULE,
      description: 'Removes a tenant whose admin has not verified 7 days after sign-up.',
      target: 'remove-unverified-tenant',
      kind: 'one-time',
    },
    {
      name: DELETION_SCHEDULE,
      description: 'Removes a tenant 14 days after an admin confirmed its deletion, unless cancelled.',
      target: 'remove-deleted-tenant',
      kind: 'one-time',
    },
  ],
  buckets: [
    {
      name: 'tenant-exports',
      description: "Tenants' exports, under tenant=<id>/exports/<exportId>/; removed after 30 days.",
      lifecycle: [{ prefix: '', expireAfterDays: 30 }],
    },
  ],
  queues: [
    {
      name: 'tenant-export',
      description: 'One message per export to write.',
      consumer: 'tenant-export',
      batchSize: 1,
      visibilityTimeoutSeconds: 960,
      maxReceiveCount: 3,
      maxConcurrency: 2,
    },
    {
      name: 'tenant-purge',
      description: "One message per page of a tenant's removal; each queues the next.",
      consumer: 'tenant-purge',
      batchSize: 1,
      visibilityTimeoutSeconds: 960,
      maxReceiveCount: 5,
      maxConcurrency: 2,
    },
  ],
});
