import { createHash } from 'node:crypto';
import { ulid } from 'ulidx';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  getItem,
  type Item,
  type Page,
  queryAll,
  queryEach,
  queryPage,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { BackoffState } from './backoff.ts';
import { webhookKeys } from './keys.ts';
import { enqueue } from './queue.ts';
import { findEndpoint, type StoredEndpoint } from './records.ts';
import type {
  AttemptMessage,
  AttemptTrigger,
  DeliveryMessage,
  DeliveryStatus,
  ReplayRange,
  WebhookAttempt,
  WebhookDelivery,
} from './schema.ts';

/**
 * Deliveries: one per (endpoint, event), whatever the redeliveries of the event. A delivery keeps
 * the exact body it sends, so every attempt, retry and replay sends the same bytes under the same
 * `webhook-id` (the delivery id), for 30 days (the log's retention). Attempts are items of the
 * delivery's partition, keyed by what makes each unique: `auto-<n>` for the first try and its
 * retries, `replay-<id>` and `test-<id>` for the ones members ask for.
 */
export const LOG_RETENTION_DAYS = 30;
/** Deliveries a range replay hands to the queue per message, before it continues with the next page. */
const REPLAY_PAGE = 100;

export interface StoredDelivery extends WebhookDelivery {
  body: string;
  /** The automatic attempt a queue message or schedule is on its way for, while the chain goes on. */
  nextAttempt?: string;
  firstAttemptAt?: string;
  backoff?: BackoffState;
}

export interface StoredAttempt extends WebhookAttempt {
  messageId: string;
}

export interface EventToDeliver {
  eventId: string;
  type: string;
  occurredAt: string;
  tenantId: string;
  payload: Record<string, unknown>;
}

/**
 * The delivery id is a ULID made from the event's time and a hash of (endpoint, event): sortable
 * like every id here, and the same however often the event is delivered to the fan-out.
 */
export function deliveryIdOf(endpointId: string, eventId: string, occurredAt: string): string {
  const digest = createHash('sha256').update(`${endpointId}:${eventId}`).digest();
  let position = 0;
  return ulid(new Date(occurredAt).getTime(), () => digest[position++ % digest.length]! / 256);
}

/** The body POSTed: the Standard Webhooks shape (`type`, `timestamp`, `data`) with the event and tenant ids. */
export function bodyOf(event: EventToDeliver): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    eventId: event.eventId,
    tenantId: event.tenantId,
    data: event.payload,
  });
}

export const attemptTrigger = (key: string): AttemptTrigger =>
  key.startsWith('auto-') ? 'automatic' : key.startsWith('test-') ? 'test' : 'replay';

export const autoAttempt = (n: number) => `auto-${String(n).padStart(2, '0')}`;
export const autoNumber = (key: string) => Number(key.slice('auto-'.length));

const expiresAt = (ctx: TenantContext) =>
  Math.floor(ctx.clock.now().getTime() / 1000) + LOG_RETENTION_DAYS * 86_400;

export function statusKeys(
  ctx: TenantContext,
  delivery: Pick<WebhookDelivery, 'endpointId' | 'status' | 'occurredAt' | 'id'>,
) {
  return {
    GSI2PK: webhookKeys.logIn(ctx.tenantId, delivery.endpointId, delivery.status),
    GSI2SK: webhookKeys.logSort(delivery.occurredAt, delivery.id),
  };
}

/**
 * A payload about a contact can hold their personal data (ContactCreated carries the email): such
 * deliveries are indexed by contact, so erasing the contact removes them from the log. The erasure
 * event itself names only the contact, and is what tells receivers to forget them: it stays.
 */
function contactKeys(ctx: TenantContext, event: EventToDeliver, deliveryId: string): Record<string, string> {
  const contactId = event.payload.contactId;
  if (typeof contactId !== 'string' || event.type === ERASURE_EVENT) return {};
  return {
    GSI3PK: webhookKeys.aboutContact(ctx.tenantId, contactId),
    GSI3SK: webhookKeys.logSort(event.occurredAt, deliveryId),
  };
}

const ERASURE_EVENT = 'ContactErased';

/** ContactErased: every delivery whose payload was about the contact leaves the log. */
export async function forgetContact(ctx: TenantContext, contactId: string): Promise<number> {
  let removed = 0;
  for await (const item of queryEach(ctx, {
    index: 'GSI3',
    partition: webhookKeys.aboutContact(ctx.tenantId, contactId),
  })) {
    await unitOfWork(ctx)
      .delete({ PK: String(item.PK), SK: String(item.SK) })
      .commit();
    removed++;
  }
  return removed;
}

class DeliveryExists extends ConflictError {
  constructor(readonly existing: Item | undefined) {
    super('This event was already handed to this endpoint.');
  }
}

/**
 * Records the delivery of an event to an endpoint, once: a redelivered event finds it and gets
 * nothing new, unless it was recorded and never handed to the queue (a crash in between), in which
 * case it is handed again (the attempt's own guard keeps that from sending twice).
 */
export async function recordDelivery(
  ctx: TenantContext,
  endpointId: string,
  event: EventToDeliver,
  firstAttempt: string,
): Promise<AttemptMessage | undefined> {
  const id = deliveryIdOf(endpointId, event.eventId, event.occurredAt);
  const delivery: StoredDelivery = {
    id,
    endpointId,
    eventId: event.eventId,
    eventType: event.type,
    occurredAt: event.occurredAt,
    status: 'pending',
    attempts: 0,
    createdAt: ctx.clock.now().toISOString(),
    body: bodyOf(event),
    ...(firstAttempt.startsWith('auto-') ? { nextAttempt: firstAttempt } : {}),
  };
  const message: AttemptMessage = {
    kind: 'attempt',
    tenantId: ctx.tenantId,
    endpointId,
    deliveryId: id,
    attempt: firstAttempt,
  };
  try {
    await unitOfWork(ctx)
      .put(
        {
          ...webhookKeys.delivery(ctx.tenantId, id),
          entity: 'WebhookDelivery',
          ...delivery,
          GSI1PK: webhookKeys.log(ctx.tenantId, endpointId),
          GSI1SK: webhookKeys.logSort(delivery.occurredAt, id),
          ...statusKeys(ctx, delivery),
          ...contactKeys(ctx, event, id),
          expiresAt: expiresAt(ctx),
        },
        { condition: notExists, onConditionFailed: (existing) => new DeliveryExists(existing) },
      )
      .commit();
    return message;
  } catch (error) {
    if (!(error instanceof DeliveryExists)) throw error;
    const existing = error.existing;
    return existing?.status === 'pending' && existing.attempts === 0 ? message : undefined;
  }
}

export async function findDelivery(
  ctx: TenantContext,
  deliveryId: string,
  consistent = false,
): Promise<StoredDelivery | undefined> {
  const item = await getItem(ctx, webhookKeys.delivery(ctx.tenantId, deliveryId), { consistent });
  return item ? withoutKeys<StoredDelivery>(item) : undefined;
}

const toDelivery = (item: Item): WebhookDelivery => {
  const {
    body: _b,
    nextAttempt: _n,
    firstAttemptAt: _f,
    backoff: _s,
    ...delivery
  } = withoutKeys<StoredDelivery>(item);
  return delivery;
};

async function endpointOf(ctx: TenantContext, endpointId: string): Promise<StoredEndpoint> {
  const endpoint = await findEndpoint(ctx, endpointId);
  if (!endpoint) throw new NotFoundError('Webhook endpoint', endpointId);
  return endpoint;
}

async function deliveryOf(
  ctx: TenantContext,
  endpointId: string,
  deliveryId: string,
): Promise<StoredDelivery> {
  const delivery = await findDelivery(ctx, deliveryId, true);
  if (!delivery || delivery.endpointId !== endpointId)
    throw new NotFoundError('Webhook delivery', deliveryId);
  return delivery;
}

/** An endpoint's log, newest event first, optionally in one status. */
export async function listDeliveries(
  ctx: TenantContext,
  endpointId: string,
  query: { status?: DeliveryStatus | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<WebhookDelivery>> {
  await endpointOf(ctx, endpointId);
  const spec = query.status
    ? { index: 'GSI2' as const, partition: webhookKeys.logIn(ctx.tenantId, endpointId, query.status) }
    : { index: 'GSI1' as const, partition: webhookKeys.log(ctx.tenantId, endpointId) };
  return queryPage(
    ctx,
    { ...spec, ascending: false },
    { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) },
    toDelivery,
  );
}

export async function attemptsOf(ctx: TenantContext, deliveryId: string): Promise<WebhookAttempt[]> {
  const items = await queryAll(
    ctx,
    {
      partition: webhookKeys.deliveryPartition(ctx.tenantId, deliveryId),
      sort: { beginsWith: 'ATTEMPT#' },
      consistent: true,
    },
    500,
  );
  return items
    .map((item) => {
      const { messageId: _m, ...attempt } = withoutKeys<StoredAttempt>(item);
      return attempt;
    })
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

export async function getDelivery(ctx: TenantContext, endpointId: string, deliveryId: string) {
  await endpointOf(ctx, endpointId);
  const delivery = await deliveryOf(ctx, endpointId, deliveryId);
  return {
    ...toDelivery(delivery as unknown as Item),
    payload: JSON.parse(delivery.body) as Record<string, unknown>,
    attemptLog: await attemptsOf(ctx, deliveryId),
  };
}

function assertEnabled(endpoint: StoredEndpoint): void {
  if (endpoint.status !== 'enabled')
    throw new ConflictError(
      'The endpoint is disabled: enable it (PATCH status: enabled) before sending to it.',
    );
}

/** One more attempt of a delivery, now, with the same id and body. */
export async function replayDelivery(ctx: TenantContext, endpointId: string, deliveryId: string) {
  assertEnabled(await endpointOf(ctx, endpointId));
  const delivery = await deliveryOf(ctx, endpointId, deliveryId);
  await enqueue([
    { kind: 'attempt', tenantId: ctx.tenantId, endpointId, deliveryId, attempt: `replay-${newId()}` },
  ]);
  return toDelivery(delivery as unknown as Item);
}

/** A `WebhookTest` event to one endpoint, through the same queue, signing and log as real ones. */
export async function sendTestEvent(ctx: TenantContext, endpointId: string): Promise<WebhookDelivery> {
  assertEnabled(await endpointOf(ctx, endpointId));
  const eventId = newId();
  const event: EventToDeliver = {
    eventId,
    type: 'WebhookTest',
    occurredAt: ctx.clock.now().toISOString(),
    tenantId: ctx.tenantId,
    payload: { endpointId, message: 'A test event from Funnel CRM: your endpoint is reachable.' },
  };
  const message = await recordDelivery(ctx, endpointId, event, `test-${eventId}`);
  if (message) await enqueue([message]);
  const delivery = await findDelivery(ctx, deliveryIdOf(endpointId, eventId, event.occurredAt), true);
  return toDelivery(delivery as unknown as Item);
}

const instant = (value: string) => new Date(value).toISOString();

/** Every delivery of a time range gets one more attempt; the queue works through the range page by page. */
export async function replayRange(ctx: TenantContext, endpointId: string, range: ReplayRange) {
  assertEnabled(await endpointOf(ctx, endpointId));
  const from = instant(range.from);
  const to = instant(range.to);
  if (from >= to) throw ValidationError.field('body.to', '`to` must come after `from`.');
  const replayId = newId();
  await enqueue([
    {
      kind: 'replay-range',
      tenantId: ctx.tenantId,
      endpointId,
      replayId,
      from,
      to,
      ...(range.status ? { status: range.status } : {}),
    },
  ]);
  return { replayId, from, to, ...(range.status ? { status: range.status } : {}) };
}

/** One page of a range replay: its deliveries handed to the queue, and the next page after them. */
export async function continueReplay(
  ctx: TenantContext,
  message: Extract<DeliveryMessage, { kind: 'replay-range' }>,
): Promise<number> {
  const spec = message.status
    ? {
        index: 'GSI2' as const,
        partition: webhookKeys.logIn(ctx.tenantId, message.endpointId, message.status),
      }
    : { index: 'GSI1' as const, partition: webhookKeys.log(ctx.tenantId, message.endpointId) };
  const page = await queryPage(
    ctx,
    { ...spec, sort: { between: [message.from, message.to] } },
    { limit: REPLAY_PAGE, ...(message.cursor ? { cursor: message.cursor } : {}) },
    toDelivery,
  );
  await enqueue(
    page.items.map((delivery) => ({
      kind: 'attempt' as const,
      tenantId: ctx.tenantId,
      endpointId: message.endpointId,
      deliveryId: delivery.id,
      attempt: `replay-${message.replayId}`,
    })),
  );
  if (page.nextCursor) await enqueue([{ ...message, cursor: page.nextCursor }]);
  return page.items.length;
}
