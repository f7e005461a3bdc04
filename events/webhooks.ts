import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/**
 * Webhook deliveries, for the warehouse and for automation rules (a task when an integration
 * stops). They are never delivered to webhook endpoints themselves: a delivery reporting a
 * delivery would never end. Endpoint URLs stay out of them (a URL can hold a receiver's token).
 */
export const WebhookDelivered = defineEvent(
  'webhooks',
  'WebhookDelivered',
  'An endpoint accepted a delivery (answered 2xx).',
  lazy(() =>
    z.object({
      endpointId: z.string(),
      deliveryId: z.string(),
      /** The event delivered (`eventId` is this event's own id, as in every event). */
      deliveredEventId: z.string(),
      deliveredEventType: z.string(),
      /** `automatic` (the first attempt or a retry), `replay` or `test`. */
      trigger: z.enum(['automatic', 'replay', 'test']),
      attempt: z.int(),
      statusCode: z.int(),
      latencyMs: z.int(),
    }),
  ),
);

export const WebhookDeliveryFailed = defineEvent(
  'webhooks',
  'WebhookDeliveryFailed',
  'An attempt to deliver failed; `final` when no automatic retry follows.',
  lazy(() =>
    z.object({
      endpointId: z.string(),
      deliveryId: z.string(),
      /** The event delivered (`eventId` is this event's own id, as in every event). */
      deliveredEventId: z.string(),
      deliveredEventType: z.string(),
      trigger: z.enum(['automatic', 'replay', 'test']),
      attempt: z.int(),
      statusCode: z.optional(z.int()),
      /** `status` (a non-2xx answer), `timeout`, `connection`, `refused_address`. */
      reason: z.string(),
      latencyMs: z.int(),
      final: z.boolean(),
      nextAttemptAt: z.optional(z.string()),
    }),
  ),
);

export const WebhookEndpointDisabled = defineEvent(
  'webhooks',
  'WebhookEndpointDisabled',
  "A webhook endpoint failed every attempt for too long and was disabled; the tenant's admins are emailed.",
  lazy(() =>
    z.object({
      endpointId: z.string(),
      failingSince: z.string(),
      disabledAt: z.string(),
      reason: z.string(),
    }),
  ),
);
