import * as z from 'zod/mini';
import { EventCondition } from '../../events/conditions.ts';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, Limit, NonEmpty, named } from '../platform/schema.ts';
import { secretField } from '../platform/secret-fields.ts';

/**
 * Webhook endpoints, their deliveries and attempts (docs/webhooks.md). Every property carries a
 * description and an example: integrators read this part of the reference more than any other.
 */
const doc = (description: string, example: unknown) => z.meta({ description, examples: [example] });

const ENDPOINT_ID = '01JD8X5Q7R2V3W4Y5Z6A7B8C9D';
const DELIVERY_ID = '01JD8Y0A1B2C3D4E5F6G7H8J9K';
const EVENT_ID = '01JD8Y09ZZ8X7W6V5T4S3R2Q1P';
const AT = '2026-03-02T09:30:00.000Z';

/** Subscribes to every deliverable event type, including ones added later. */
export const ALL_EVENTS = '*';

export const ENDPOINT_STATUSES = ['enabled', 'disabled'] as const;
export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const ATTEMPT_TRIGGERS = ['automatic', 'replay', 'test'] as const;
export type AttemptTrigger = (typeof ATTEMPT_TRIGGERS)[number];

export const WebhookSubscription = named(
  'WebhookSubscription',
  lazy(() =>
    z.object({
      type: NonEmpty(100).check(
        doc(
          'An event type of the catalog (GET /v1/webhook-event-types), or `*` for every type, including types added later.',
          'InvoicePaid',
        ),
      ),
      conditions: z
        ._default(z.array(EventCondition).check(z.maxLength(20)), [])
        .check(
          doc(
            "Filters on the event's payload, in the language of automation rules: the event is delivered only when all hold. None with `*`.",
            [{ field: 'total', op: 'gte', value: 100000 }],
          ),
        ),
    }),
  ),
  'An event type the endpoint receives, optionally filtered on its fields.',
);
export type WebhookSubscription = z.infer<typeof WebhookSubscription>;

const Url = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(2048),
    doc(
      'Where deliveries are POSTed: https, a public address, no credentials in the URL. Redirects are not followed.',
      'https://hooks.example.com/funnel',
    ),
  );
const Description = z
  .string()
  .check(
    z.trim(),
    z.maxLength(500),
    doc('What the endpoint is for, for the people who manage it.', 'Accounting sync'),
  );
const Subscriptions = z
  .array(WebhookSubscription)
  .check(
    z.minLength(1),
    z.maxLength(40),
    doc('The event types the endpoint receives (1 to 40 entries, each type once).', [
      { type: 'InvoicePaid', conditions: [{ field: 'total', op: 'gte', value: 100000 }] },
      { type: 'ContactCreated' },
    ]),
  );

export const WebhookEndpointCreate = named(
  'WebhookEndpointCreate',
  lazy(() =>
    z.object({
      url: Url,
      description: z.optional(Description),
      events: Subscriptions,
    }),
  ),
);
export type WebhookEndpointCreate = z.infer<typeof WebhookEndpointCreate>;

export const WebhookEndpointUpdate = named(
  'WebhookEndpointUpdate',
  lazy(() =>
    z.object({
      url: z.optional(Url),
      description: z.optional(
        z.nullable(Description).check(doc('A new description; `null` removes it.', 'Accounting sync (v2)')),
      ),
      events: z.optional(Subscriptions),
      status: z.optional(
        z
          .enum(ENDPOINT_STATUSES)
          .check(
            doc(
              '`disabled` stops deliveries (events are logged as skipped, to replay later); `enabled` resumes them and forgets past failures.',
              'enabled',
            ),
          ),
      ),
    }),
  ),
);
export type WebhookEndpointUpdate = z.infer<typeof WebhookEndpointUpdate>;

export const WebhookEndpoint = named(
  'WebhookEndpoint',
  lazy(() =>
    z.object({
      id: Id.check(doc('The endpoint id.', ENDPOINT_ID)),
      url: z.string().check(doc('Where deliveries are POSTed.', 'https://hooks.example.com/funnel')),
      description: z.optional(z.string().check(doc('What the endpoint is for.', 'Accounting sync'))),
      events: z
        .array(WebhookSubscription)
        .check(doc('The event types the endpoint receives.', [{ type: 'InvoicePaid', conditions: [] }])),
      status: z.enum(ENDPOINT_STATUSES).check(doc('Whether deliveries are made.', 'enabled')),
      disabledAt: z.optional(IsoDateTime.check(doc('When the endpoint was disabled.', AT))),
      disabledReason: z.optional(
        z
          .string()
          .check(
            doc('Why it was disabled.', 'Every attempt failed for 5 days (since 2026-02-25T09:30:00.000Z).'),
          ),
      ),
      failingSince: z.optional(
        IsoDateTime.check(
          doc(
            'Since when every attempt has failed; absent while the endpoint answers 2xx.',
            '2026-02-25T09:30:00.000Z',
          ),
        ),
      ),
      previousSecretExpiresAt: z.optional(
        IsoDateTime.check(
          doc(
            'During a secret rotation: until when deliveries are also signed with the previous secret.',
            AT,
          ),
        ),
      ),
      createdAt: IsoDateTime.check(doc('When the endpoint was created.', AT)),
      updatedAt: IsoDateTime.check(doc('When it last changed.', AT)),
      version: z.int().check(doc('Its revision, also in the ETag; send it in If-Match to update.', 3)),
    }),
  ),
  'A URL that receives signed deliveries of the events it subscribes to.',
);
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

// Derived, never stored; marked so that no idempotency record keeps it either.
const Secret = secretField(
  z
    .string()
    .check(
      doc(
        'The signing secret, in the Standard Webhooks format (`whsec_` and base64): give it to your verification library. Keep it secret.',
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      ),
    ),
);

export const WebhookEndpointWithSecret = named(
  'WebhookEndpointWithSecret',
  lazy(() => z.extend(WebhookEndpoint, { secret: Secret })),
  'A new endpoint and its signing secret.',
);

export const WebhookSecret = named(
  'WebhookSecret',
  lazy(() =>
    z.object({
      secret: Secret,
      previousSecretExpiresAt: z.optional(
        IsoDateTime.check(
          doc('Until when deliveries also carry a signature made with the previous secret.', AT),
        ),
      ),
    }),
  ),
  "An endpoint's current signing secret.",
);

export const SecretRotation = named(
  'WebhookSecretRotation',
  lazy(() =>
    z.object({
      overlapHours: z._default(
        z
          .int()
          .check(
            z.minimum(0),
            z.maximum(168),
            doc(
              'How long deliveries stay signed with the previous secret too, so receivers can switch without losing any (0 to 168; default 24).',
              24,
            ),
          ),
        24,
      ),
    }),
  ),
);
export type SecretRotation = z.infer<typeof SecretRotation>;

const DeliveryStatus = z
  .enum(DELIVERY_STATUSES)
  .check(
    doc(
      '`pending` (not tried yet), `retrying` (failed, another attempt is scheduled), `succeeded` (the last attempt got a 2xx), `failed` (the last attempt failed and no retry follows), `skipped` (the endpoint was disabled).',
      'succeeded',
    ),
  );

export const WebhookDelivery = named(
  'WebhookDelivery',
  lazy(() =>
    z.object({
      id: Id.check(
        doc('The delivery id, sent as `webhook-id`: the same on every attempt and replay.', DELIVERY_ID),
      ),
      endpointId: Id.check(doc('The endpoint it is for.', ENDPOINT_ID)),
      eventId: Id.check(doc('The event delivered.', EVENT_ID)),
      eventType: z.string().check(doc('The type of the event.', 'InvoicePaid')),
      occurredAt: IsoDateTime.check(doc('When the event happened.', AT)),
      status: DeliveryStatus,
      attempts: z.int().check(doc('Attempts made so far.', 1)),
      lastAttemptAt: z.optional(IsoDateTime.check(doc('When the last attempt started.', AT))),
      lastStatusCode: z.optional(z.int().check(doc('The HTTP status the last attempt got, if any.', 200))),
      lastLatencyMs: z.optional(z.int().check(doc('How long the last attempt took, in milliseconds.', 84))),
      lastError: z.optional(
        z
          .string()
          .check(doc('Why the last attempt failed, when it got no answer.', 'No answer within 10 seconds.')),
      ),
      nextAttemptAt: z.optional(IsoDateTime.check(doc('When the next automatic attempt is due.', AT))),
      createdAt: IsoDateTime.check(doc('When the delivery was created.', AT)),
    }),
  ),
  'One event for one endpoint: its state and the outcome of its last attempt.',
);
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookAttempt = named(
  'WebhookAttempt',
  lazy(() =>
    z.object({
      id: z.string().check(doc('The attempt id within its delivery.', 'auto-01')),
      trigger: z
        .enum(ATTEMPT_TRIGGERS)
        .check(doc('`automatic` (the first try or a retry), `replay` or `test`.', 'automatic')),
      number: z.optional(
        z.int().check(doc('For automatic attempts: 1 for the first, 2 for the first retry...', 1)),
      ),
      status: z
        .enum(['sending', 'succeeded', 'failed'])
        .check(doc('`sending` while under way, then `succeeded` (2xx) or `failed`.', 'succeeded')),
      startedAt: IsoDateTime.check(doc('When the attempt started.', AT)),
      statusCode: z.optional(z.int().check(doc('The HTTP status the endpoint answered.', 200))),
      latencyMs: z.optional(
        z.int().check(doc('From connecting to the end of the answer, in milliseconds.', 84)),
      ),
      response: z.optional(
        z
          .string()
          .check(doc('The start of the answer body (at most 1,000 characters).', '{"received":true}')),
      ),
      error: z.optional(z.string().check(doc('Why no answer was received.', 'Connection refused.'))),
    }),
  ),
  'One HTTP request of a delivery.',
);
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDeliveryDetail = named(
  'WebhookDeliveryDetail',
  lazy(() =>
    z.extend(WebhookDelivery, {
      payload: z.record(z.string(), z.unknown()).check(
        doc('The JSON body POSTed, exactly as delivered.', {
          type: 'InvoicePaid',
          timestamp: AT,
          eventId: EVENT_ID,
          tenantId: '01JD8W0000000000000000TENT',
          data: { invoiceId: '01JD8Y0000000000000000INV1', total: 120000, currency: 'EUR' },
        }),
      ),
      attemptLog: z.array(WebhookAttempt).check(
        doc('Every attempt, oldest first.', [
          {
            id: 'auto-01',
            trigger: 'automatic',
            number: 1,
            status: 'succeeded',
            startedAt: AT,
            statusCode: 200,
            latencyMs: 84,
          },
        ]),
      ),
    }),
  ),
  'A delivery with its payload and every attempt.',
);

export const DeliveryListQuery = named(
  'WebhookDeliveryListQuery',
  lazy(() =>
    z.object({
      status: z.optional(DeliveryStatus),
      limit: Limit,
      cursor: z.optional(z.string().check(z.maxLength(2048))),
    }),
  ),
);

export const ReplayRange = named(
  'WebhookReplayRange',
  lazy(() =>
    z.object({
      from: IsoDateTime.check(doc('Events that occurred at or after this instant.', '2026-03-01T00:00:00Z')),
      to: IsoDateTime.check(doc('...and before this one.', '2026-03-02T00:00:00Z')),
      status: z.optional(
        DeliveryStatus.check(
          doc('Only the deliveries in this status (e.g. `failed`); all by default.', 'failed'),
        ),
      ),
    }),
  ),
);
export type ReplayRange = z.infer<typeof ReplayRange>;

export const ReplayAccepted = named(
  'WebhookReplayAccepted',
  lazy(() =>
    z.object({
      replayId: Id.check(
        doc('Names the attempts of this replay in the log (`replay-<replayId>`).', DELIVERY_ID),
      ),
      from: IsoDateTime.check(doc('The start of the range.', '2026-03-01T00:00:00Z')),
      to: IsoDateTime.check(doc('The end of the range.', '2026-03-02T00:00:00Z')),
      status: z.optional(DeliveryStatus),
    }),
  ),
  'A replay of a range, under way: each delivery of the range gets one more attempt.',
);

export const WebhookEventType = named(
  'WebhookEventType',
  lazy(() =>
    z.object({
      type: z.string().check(doc('The event type, used in subscriptions.', 'InvoicePaid')),
      module: z.string().check(doc('The module that publishes it.', 'invoicing')),
      description: z.string().check(doc('When it happens.', 'An invoice was paid in full.')),
      fields: z
        .array(
          z.object({
            name: z.string().check(doc('A field of the payload (`data`).', 'total')),
            kind: z
              .enum(['string', 'number', 'boolean', 'list', 'other'])
              .check(doc('What it holds; conditions on numbers may compare.', 'number')),
            values: z.optional(
              z.array(z.string()).check(doc('The values an enumerated field takes.', ['bank_transfer'])),
            ),
          }),
        )
        .check(doc('The fields of its payload, usable in conditions.', [{ name: 'total', kind: 'number' }])),
    }),
  ),
  'An event type endpoints can subscribe to.',
);

export const WebhookEventTypeList = named(
  'WebhookEventTypeList',
  lazy(() => z.object({ items: z.array(WebhookEventType).check(doc('Every deliverable event type.', [])) })),
);

/** What the delivery queue carries: one attempt of a delivery, or one page of a range replay. */
export const DeliveryMessage = lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('attempt'),
      tenantId: z.string(),
      endpointId: z.string(),
      deliveryId: z.string(),
      /** `auto-<nn>` or `replay-<id>` / `test-<id>`: one attempt per key, whatever the redeliveries. */
      attempt: z.string(),
    }),
    z.object({
      kind: z.literal('replay-range'),
      tenantId: z.string(),
      endpointId: z.string(),
      replayId: z.string(),
      from: z.string(),
      to: z.string(),
      status: z.optional(z.enum(DELIVERY_STATUSES)),
      cursor: z.optional(z.string()),
    }),
  ]),
);
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;
export type AttemptMessage = Extract<DeliveryMessage, { kind: 'attempt' }>;
