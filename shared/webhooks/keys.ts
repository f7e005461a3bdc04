import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * An endpoint's partition holds the endpoint and one subscription item per event type; the
 * subscription items are on GSI1 by (tenant, event type), so the fan-out of an event is one key
 * query (two with the `*` subscribers), never a pass over endpoints. A delivery has a partition of
 * its own (the delivery and its attempts), listed per endpoint on GSI1 by event time and on GSI2
 * by status. See docs/data-model.md (Webhooks).
 */
export const webhookKeys = {
  endpoint: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'WEBHOOK', id), SK: 'ENDPOINT' }),
  partition: (t: TenantId, id: string) => tenantKey(t, 'WEBHOOK', id),
  /** GSI1 of endpoints: the tenant's endpoints, oldest first. */
  endpoints: (t: TenantId) => tenantKey(t, 'WEBHOOKS'),
  /** How many endpoints the tenant has: the limit is checked in the creating transaction. */
  count: (t: TenantId) => ({ PK: tenantKey(t, 'WEBHOOKS'), SK: 'COUNT' }),
  subscription: (t: TenantId, id: string, type: string) => ({
    PK: tenantKey(t, 'WEBHOOK', id),
    SK: `ON#${type}`,
  }),
  /** GSI1 of subscriptions: the endpoints an event type (or `*`) goes to. */
  subscribers: (t: TenantId, type: string) => tenantKey(t, 'WEBHOOKS-ON', type),
  delivery: (t: TenantId, deliveryId: string) => ({
    PK: tenantKey(t, 'WEBHOOK-DELIVERY', deliveryId),
    SK: 'DELIVERY',
  }),
  deliveryPartition: (t: TenantId, deliveryId: string) => tenantKey(t, 'WEBHOOK-DELIVERY', deliveryId),
  attempt: (t: TenantId, deliveryId: string, attempt: string) => ({
    PK: tenantKey(t, 'WEBHOOK-DELIVERY', deliveryId),
    SK: `ATTEMPT#${attempt}`,
  }),
  /** GSI1 of deliveries: an endpoint's log by event time. */
  log: (t: TenantId, endpointId: string) => tenantKey(t, 'WEBHOOK-LOG', endpointId),
  /** GSI2 of deliveries: an endpoint's log in one status, by event time. */
  logIn: (t: TenantId, endpointId: string, status: string) => tenantKey(t, 'WEBHOOK-LOG', endpointId, status),
  logSort: (occurredAt: string, deliveryId: string) => `${occurredAt}#${deliveryId}`,
  /** GSI3 of deliveries: those whose payload is about a contact, to forget them when it is erased. */
  aboutContact: (t: TenantId, contactId: string) => tenantKey(t, 'WEBHOOK-DELIVERIES-ABOUT', contactId),
  /** One alert email per admin and disabling. */
  alert: (t: TenantId, endpointId: string, disabledAt: string, memberId: string) => ({
    PK: tenantKey(t, 'WEBHOOK', endpointId),
    SK: `ALERT#${disabledAt}#${memberId}`,
  }),
};
