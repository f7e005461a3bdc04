import * as z from 'zod/mini';
import { adminOnly } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id } from '../../shared/platform/schema.ts';
import { Backfill, BackfillRequest, WarehouseStatus } from '../../shared/warehouse/api-schema.ts';
import {
  DAY_PARTITION,
  DELIVERY_PREFIX,
  ERROR_PREFIX,
  FACT_TABLE_COLUMNS,
  FACTS_TABLE,
  LAYOUT,
  TENANT_PARTITION,
} from '../../shared/warehouse/schema.ts';
import { defineModule } from './types.ts';

const fn = 'warehouse-api';
const tags = ['Warehouse'];

export const warehouseRoutes = {
  startBackfill: route({
    operationId: 'startWarehouseBackfill',
    method: 'POST',
    path: '/v1/warehouse/backfills',
    function: fn,
    access: adminOnly,
    summary: "Fill the warehouse with the tenant's history from before it received events",
    description:
      'Reads contacts, deals and their stage changes, orders, invoices and their payments, survey responses and ' +
      'leads through their own indexes and writes them as facts dated when they happened, up to ' +
      '`before` (by default the first fact the warehouse received live for the tenant). Runs in the background; ' +
      'running it again rewrites the same files, and reports count each event once.',
    tags,
    body: BackfillRequest,
    response: { status: 202, schema: Backfill },
    errors: ['conflict'],
  }),
  getBackfill: route({
    operationId: 'getWarehouseBackfill',
    method: 'GET',
    path: '/v1/warehouse/backfills/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Follow a backfill',
    tags,
    params: lazy(() => z.object({ id: Id })),
    response: { status: 200, schema: Backfill },
  }),
  warehouseStatus: route({
    operationId: 'getWarehouseStatus',
    method: 'GET',
    path: '/v1/warehouse/status',
    function: fn,
    access: adminOnly,
    summary: "When the tenant's facts last arrived",
    tags,
    response: { status: 200, schema: WarehouseStatus },
  }),
};

export const warehouse = /* @__PURE__ */ defineModule({
  name: 'warehouse',
  tags: {
    Warehouse:
      'The history behind reports: every event kept as a fact, per tenant and day (docs/analytics.md).',
  },
  functions: [
    {
      name: 'warehouse-api',
      entry: 'functions/http/warehouse.ts',
      description: 'Starts and follows backfills, tells when facts last arrived.',
      permissions: ['table:tenant', 'queues:send'],
    },
    {
      name: 'warehouse-transform',
      entry: 'functions/events/warehouse-transform.ts',
      description:
        'Firehose transformation: each event becomes a fact (catalog columns, dimensions read at ingest) or a rejection.',
      permissions: ['table:read'],
      timeoutSeconds: 120,
      memoryMb: 1024,
    },
    {
      name: 'warehouse-arrivals',
      entry: 'functions/events/warehouse-arrivals.ts',
      description: "Records each tenant's newest facts, so cached reports know they are stale.",
      permissions: ['table:write'],
    },
    {
      name: 'warehouse-backfill',
      entry: 'functions/workers/warehouse-backfill.ts',
      description: "Writes one page of a tenant's history as facts, then queues the next page.",
      permissions: ['table:write', 'queues:send', 'bucket:warehouse:write'],
      timeoutSeconds: 600,
      memoryMb: 1024,
      nodeModules: ['hyparquet-writer'],
    },
    {
      name: 'warehouse-privacy',
      entry: 'functions/events/warehouse-privacy.ts',
      description:
        'Rewrites the facts of an erased contact without their id (a merged one with the kept id), now and once late facts have landed.',
      permissions: [
        'table:read',
        'warehouse:query',
        'bucket:warehouse:read',
        'bucket:warehouse:write',
        'schedules:manage',
      ],
      timeoutSeconds: 900,
      memoryMb: 1024,
      nodeModules: ['hyparquet', 'hyparquet-writer'],
    },
  ],
  routes: warehouseRoutes,
  buckets: [
    {
      name: 'warehouse',
      description: 'Facts in Parquet per tenant and day, rejected events, Firehose errors, query results.',
      lifecycle: [
        { prefix: LAYOUT.facts, infrequentAccessAfterDays: 90 },
        { prefix: LAYOUT.rejected, expireAfterDays: 90 },
        // Raw events that failed (names, addresses): kept long enough to replay, and no longer.
        { prefix: LAYOUT.errors, expireAfterDays: 7 },
        { prefix: LAYOUT.queryResults, expireAfterDays: 7 },
      ],
      notifications: [
        { name: 'facts-arrived', events: ['created'], prefix: LAYOUT.facts, target: 'warehouse-arrivals' },
      ],
    },
  ],
  tables: [
    {
      name: FACTS_TABLE,
      description: 'Every domain and mail event of every tenant, one row each.',
      bucket: 'warehouse',
      prefix: LAYOUT.facts,
      columns: FACT_TABLE_COLUMNS,
      partitions: [
        { name: TENANT_PARTITION, kind: 'injected' },
        { name: DAY_PARTITION, kind: 'date' },
      ],
    },
  ],
  deliveryStreams: [
    {
      name: 'warehouse-facts',
      description: 'Events to Parquet facts, partitioned by tenant and day.',
      table: FACTS_TABLE,
      prefix: DELIVERY_PREFIX,
      errorPrefix: ERROR_PREFIX,
      transform: 'warehouse-transform',
      buffering: { sizeMb: 64, intervalSeconds: 60 },
    },
  ],
  rules: [
    {
      name: 'warehouse-domain-events',
      description: 'Every domain event of every module, present and future, to the warehouse.',
      bus: 'domain',
      pattern: { source: [{ prefix: 'funnel.' }] },
      target: 'warehouse-facts',
      targetKind: 'delivery-stream',
    },
    {
      name: 'warehouse-mail-events',
      description: 'SES events of the configuration set (delivered, bounced...) to the warehouse.',
      bus: 'default',
      pattern: { source: ['aws.ses'] },
      target: 'warehouse-facts',
      targetKind: 'delivery-stream',
    },
    {
      name: 'warehouse-erasures',
      description: "An erased contact's facts become anonymous; a merged contact's, the kept contact's.",
      bus: 'domain',
      pattern: { source: ['funnel.contacts'], 'detail-type': ['ContactErased', 'ContactsMerged'] },
      target: 'warehouse-privacy',
    },
  ],
  schedules: [
    {
      name: 'warehouse-erasure-sweep',
      description: "Anonymizes an erased contact's facts again once Firehose has flushed what it held.",
      target: 'warehouse-privacy',
      kind: 'one-time',
    },
    {
      name: 'warehouse-merge-sweep',
      description: "Rewrites a merged contact's facts again once Firehose has flushed what it held.",
      target: 'warehouse-privacy',
      kind: 'one-time',
    },
  ],
  queues: [
    {
      name: 'warehouse-backfill',
      description: "One message per page of a tenant's history to write as facts.",
      consumer: 'warehouse-backfill',
      batchSize: 1,
      visibilityTimeoutSeconds: 900,
      maxReceiveCount: 3,
      maxConcurrency: 2,
    },
  ],
});
