import { EVENT_SOURCE_PREFIX, type EventDefinition } from '../../events/define.ts';
import { eventCatalog } from '../../events/index.ts';
import type { TenantContext } from '../platform/context.ts';
import { queryAll } from '../platform/db/repository.ts';
import { webhookKeys } from './keys.ts';
import { ALL_EVENTS, type WebhookSubscription } from './schema.ts';

/** At most this many endpoints per tenant: it bounds the fan-out of every event. */
export const MAX_ENDPOINTS = 20;

const OWN_SOURCE = `${EVENT_SOURCE_PREFIX}webhooks`;

/** Every event of the catalog but webhooks' own (a delivery reporting a delivery would never end). */
export function deliverableEvent(type: string): EventDefinition | undefined {
  const event = eventCatalog.get(type);
  return event && event.source !== OWN_SOURCE ? event : undefined;
}

export function deliverableEvents(): EventDefinition[] {
  return [...eventCatalog.values()]
    .filter((e) => e.source !== OWN_SOURCE)
    .sort((a, b) => a.type.localeCompare(b.type));
}

/** The subscriptions to an event type and to `*`: the endpoints the event may go to, at most MAX_ENDPOINTS each. */
export async function subscribersOf(ctx: TenantContext, type: string) {
  const [specific, all] = await Promise.all(
    [type, ALL_EVENTS].map((t) =>
      queryAll(ctx, { index: 'GSI1', partition: webhookKeys.subscribers(ctx.tenantId, t) }, MAX_ENDPOINTS),
    ),
  );
  return [...specific!, ...all!].map((item) => ({
    endpointId: String(item.endpointId),
    conditions: (item.conditions ?? []) as WebhookSubscription['conditions'],
  }));
}
