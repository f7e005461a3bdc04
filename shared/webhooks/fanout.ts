import { conditionsHold } from '../../events/conditions.ts';
import { ContactErased } from '../../events/contacts.ts';
import { EventEnvelope } from '../../events/define.ts';
import type { TenantContext } from '../platform/context.ts';
import { autoAttempt, forgetContact, recordDelivery } from './deliveries.ts';
import { enqueue } from './queue.ts';
import type { AttemptMessage } from './schema.ts';
import { deliverableEvent, subscribersOf } from './subscriptions.ts';

type Detail = Record<string, unknown> & { eventId: string; occurredAt: string; tenantId: string };

/**
 * From a committed event to the deliveries it makes: the tenant's subscriptions to its type (and
 * to `*`) come from one index query each, bounded by the endpoints a tenant may have; each
 * endpoint whose filters hold gets one delivery, recorded once per (endpoint, event) so a
 * redelivered event creates nothing new, and handed to the delivery queue.
 */
export async function fanOut(ctx: TenantContext, type: string, detail: Detail): Promise<number> {
  if (!deliverableEvent(type)) return 0;
  if (type === ContactErased.type) await forgetContact(ctx, String(detail.contactId));
  const subscriptions = await subscribersOf(ctx, type);
  if (subscriptions.length === 0) return 0;
  const envelope = new Set(Object.keys(EventEnvelope.shape));
  const payload = Object.fromEntries(Object.entries(detail).filter(([name]) => !envelope.has(name)));
  const endpoints = new Set(
    subscriptions.filter((s) => conditionsHold(s.conditions, payload)).map((s) => s.endpointId),
  );
  const event = {
    eventId: detail.eventId,
    type,
    occurredAt: detail.occurredAt,
    tenantId: ctx.tenantId,
    payload,
  };
  const messages = await Promise.all(
    [...endpoints].map((endpointId) => recordDelivery(ctx, endpointId, event, autoAttempt(1))),
  );
  const due = messages.filter((m): m is AttemptMessage => m !== undefined);
  await enqueue(due);
  return due.length;
}
