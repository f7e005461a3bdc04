import * as z from 'zod/mini';
import { adminOnly, anyMember } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, PageQuery, page } from '../../shared/platform/schema.ts';
import {
  DeliveryListQuery,
  ReplayAccepted,
  ReplayRange,
  SecretRotation,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointUpdate,
  WebhookEndpointWithSecret,
  WebhookEventTypeList,
  WebhookSecret,
} from '../../shared/webhooks/schema.ts';
import { defineModule } from './types.ts';

const fn = 'webhooks-api';
const tags = ['Webhooks'];
const ById = lazy(() =>
  z.object({
    id: Id.check(z.meta({ description: 'The endpoint id.', examples: ['01JD8X5Q7R2V3W4Y5Z6A7B8C9D'] })),
  }),
);
const ByDelivery = lazy(() =>
  z.object({
    id: ById.shape.id,
    deliveryId: Id.check(
      z.meta({
        description: 'The delivery id (its `webhook-id`).',
        examples: ['01JD8Y0A1B2C3D4E5F6G7H8J9K'],
      }),
    ),
  }),
);

/**
 * Admins only: an endpoint receives every record its events carry (contacts' names and emails,
 * amounts), its log keeps those payloads, and its secret proves deliveries come from this tenant.
 * Choosing where the tenant's data goes is an administrator's decision, like API keys.
 *
 * Responses that show a secret (creation, rotation, reveal) are never stored for Idempotency-Key
 * replays: a stored response would be a copy of the secret at rest.
 */
export const webhookRoutes = {
  createEndpoint: route({
    operationId: 'createWebhookEndpoint',
    method: 'POST',
    path: '/v1/webhooks',
    function: fn,
    access: adminOnly,
    summary: 'Create a webhook endpoint',
    description:
      'Subscribes a URL to event types, each optionally filtered with conditions on its fields (the language of ' +
      'automation rules). The answer carries the signing secret. An unknown event type or a condition that does ' +
      'not fit the event is a 400 naming the field; a URL that resolves to a private, loopback, link-local or ' +
      'other non-public address is a 422 on `body.url`.',
    tags,
    body: WebhookEndpointCreate,
    response: { status: 201, schema: WebhookEndpointWithSecret },
    idempotent: false,
    errors: ['conflict', 'unprocessable'],
  }),
  listEndpoints: route({
    operationId: 'listWebhookEndpoints',
    method: 'GET',
    path: '/v1/webhooks',
    function: fn,
    access: adminOnly,
    summary: 'List webhook endpoints',
    tags,
    query: PageQuery,
    response: { status: 200, schema: page('WebhookEndpointPage', WebhookEndpoint) },
  }),
  getEndpoint: route({
    operationId: 'getWebhookEndpoint',
    method: 'GET',
    path: '/v1/webhooks/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Read a webhook endpoint',
    tags,
    params: ById,
    response: { status: 200, schema: WebhookEndpoint },
    versioned: true,
  }),
  updateEndpoint: route({
    operationId: 'updateWebhookEndpoint',
    method: 'PATCH',
    path: '/v1/webhooks/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Change, enable or disable a webhook endpoint',
    description:
      '`events` replaces the whole list. `status: enabled` resumes an endpoint disabled for failing and forgets ' +
      'its failures; replay what it missed with POST /v1/webhooks/{id}/replays.',
    tags,
    params: ById,
    body: WebhookEndpointUpdate,
    response: { status: 200, schema: WebhookEndpoint },
    versioned: true,
    errors: ['precondition_failed', 'unprocessable'],
  }),
  deleteEndpoint: route({
    operationId: 'deleteWebhookEndpoint',
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    function: fn,
    access: adminOnly,
    summary: 'Delete a webhook endpoint',
    description: 'Deliveries stop at once; its log expires with its retention.',
    tags,
    params: ById,
    response: { status: 204 },
    errors: ['conflict'],
  }),
  getSecret: route({
    operationId: 'getWebhookSecret',
    method: 'GET',
    path: '/v1/webhooks/{id}/secret',
    function: fn,
    access: adminOnly,
    summary: "Reveal a webhook endpoint's signing secret",
    description: 'Recorded in the audit trail.',
    tags,
    params: ById,
    response: { status: 200, schema: WebhookSecret },
  }),
  rotateSecret: route({
    operationId: 'rotateWebhookSecret',
    method: 'POST',
    path: '/v1/webhooks/{id}/secret/rotate',
    function: fn,
    access: adminOnly,
    summary: "Rotate a webhook endpoint's signing secret",
    description:
      'A new secret signs from now on. During the overlap (24 hours by default) every delivery carries two ' +
      'signatures, one per secret, so receivers verifying with either accept it: deploy the new secret, then ' +
      'let the old one expire.',
    tags,
    params: ById,
    body: SecretRotation,
    response: { status: 200, schema: WebhookSecret },
    idempotent: false,
    errors: ['conflict'],
  }),
  sendTest: route({
    operationId: 'sendWebhookTest',
    method: 'POST',
    path: '/v1/webhooks/{id}/test',
    function: fn,
    access: adminOnly,
    summary: 'Send a test event to a webhook endpoint',
    description:
      'A `WebhookTest` event, signed and logged like any other, tried once. Read its outcome at ' +
      'GET /v1/webhooks/{id}/deliveries/{deliveryId}.',
    tags,
    params: ById,
    response: { status: 202, schema: WebhookDelivery },
    errors: ['conflict'],
  }),
  listDeliveries: route({
    operationId: 'listWebhookDeliveries',
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    function: fn,
    access: adminOnly,
    summary: "Read a webhook endpoint's delivery log, newest event first",
    description: 'Each delivery with its status and the outcome of its last attempt; kept 30 days.',
    tags,
    params: ById,
    query: DeliveryListQuery,
    response: { status: 200, schema: page('WebhookDeliveryPage', WebhookDelivery) },
  }),
  getDelivery: route({
    operationId: 'getWebhookDelivery',
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}',
    function: fn,
    access: adminOnly,
    summary: 'Read a delivery with its payload and every attempt',
    tags,
    params: ByDelivery,
    response: { status: 200, schema: WebhookDeliveryDetail },
  }),
  replayDelivery: route({
    operationId: 'replayWebhookDelivery',
    method: 'POST',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/replay',
    function: fn,
    access: adminOnly,
    summary: 'Deliver an event again',
    description:
      'One more attempt, now, with the same body and `webhook-id`, freshly signed; not retried if it fails.',
    tags,
    params: ByDelivery,
    response: { status: 202, schema: WebhookDelivery },
    errors: ['conflict'],
  }),
  replayRange: route({
    operationId: 'replayWebhookDeliveries',
    method: 'POST',
    path: '/v1/webhooks/{id}/replays',
    function: fn,
    access: adminOnly,
    summary: 'Deliver again every event of a time range',
    description:
      'Every delivery of the endpoint whose event occurred in [from, to) (optionally only those in one status) ' +
      'gets one more attempt, with the same `webhook-id` as before, in the background; each attempt shows in the ' +
      "log as `replay-<replayId>`. Events older than the log's retention (30 days) are gone.",
    tags,
    params: ById,
    body: ReplayRange,
    response: { status: 202, schema: ReplayAccepted },
    errors: ['conflict'],
  }),
  listEventTypes: route({
    operationId: 'listWebhookEventTypes',
    method: 'GET',
    path: '/v1/webhook-event-types',
    function: fn,
    access: anyMember,
    summary: 'List the event types webhooks can deliver',
    description: 'With the fields of each, which subscriptions may filter on.',
    tags,
    response: { status: 200, schema: WebhookEventTypeList },
  }),
};

export const webhooks = /* @__PURE__ */ defineModule({
  name: 'webhooks',
  tags: {
    Webhooks:
      'Signed deliveries of events to your own endpoints, with filters, retries, a delivery log and replays (docs/webhooks.md).',
  },
  functions: [
    {
      name: 'webhooks-api',
      entry: 'functions/http/webhooks.ts',
      description: 'Webhook endpoints, secrets, the delivery log, replays and test events over HTTP.',
      permissions: ['table:tenant', 'queues:send', 'secrets:webhooks'],
    },
    {
      name: 'webhooks-events',
      entry: 'functions/events/webhooks.ts',
      description:
        "Turns each domain event into deliveries to the tenant's matching endpoints; emails admins when one is disabled.",
      permissions: ['table:write', 'queues:send', 'mail:send'],
    },
    {
      name: 'webhooks-worker',
      entry: 'functions/workers/webhook-deliveries.ts',
      description:
        'Signs and sends each delivery attempt, records it, schedules retries, works through replays.',
      permissions: ['table:write', 'queues:send', 'schedules:manage', 'secrets:webhooks'],
      timeoutSeconds: 30,
    },
    {
      name: 'webhooks-jobs',
      entry: 'functions/jobs/webhooks.ts',
      description: 'Hands a retry that waited longer than a queue delay allows back to the delivery queue.',
      permissions: ['queues:send'],
    },
  ],
  routes: webhookRoutes,
  rules: [
    {
      name: 'webhook-fan-out',
      description: "Every domain event but webhooks' own: deliveries to the tenant's matching endpoints.",
      bus: 'domain',
      pattern: { source: [{ 'anything-but': ['funnel.webhooks'] }] },
      target: 'webhooks-events',
    },
    {
      name: 'webhook-alerts',
      description: "An endpoint was disabled for failing: its tenant's admins are emailed.",
      bus: 'domain',
      pattern: { source: ['funnel.webhooks'], 'detail-type': ['WebhookEndpointDisabled'] },
      target: 'webhooks-events',
    },
  ],
  schedules: [
    {
      name: 'webhook-retry',
      description: 'A retry of one delivery due more than 15 minutes later (one schedule per retry).',
      target: 'webhooks-jobs',
      kind: 'one-time',
    },
  ],
  queues: [
    {
      name: 'webhook-deliveries',
      description:
        'One message per delivery attempt (delayed up to 15 minutes for retries) or per page of a range replay.',
      consumer: 'webhooks-worker',
      batchSize: 10,
      visibilityTimeoutSeconds: 60,
      // Failed HTTP attempts are recorded and retried with backoff, not thrown: redeliveries are for crashes.
      maxReceiveCount: 5,
      maxConcurrency: 10,
    },
  ],
});
