import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import type { FactSpec } from './facts.ts';

/**
 * The catalog of domain events: names and schemas of their details, shared by producers (which
 * write them to the outbox in the same transaction as the change) and consumers (rules, automation).
 *
 * On the bus an event is `{ source, detail-type: type, detail }` where `detail` is the payload
 * plus the envelope fields below. Payload fields must not reuse the envelope's names.
 */
export const EVENT_SOURCE_PREFIX = 'funnel.';

export const EventEnvelope = lazy(() =>
  z.object({
    eventId: z.string(),
    tenantId: z.string(),
    occurredAt: z.string(),
    /** The user action that caused it (shared/platform/correlation.ts); absent on older events. */
    correlationId: z.optional(z.string()),
  }),
);

export interface EventDefinition<
  Type extends string = string,
  Payload extends z.ZodMiniObject = z.ZodMiniObject,
> {
  readonly type: Type;
  /** `funnel.<module>`: rules match on it. */
  readonly source: string;
  readonly description: string;
  readonly payload: Payload;
  /** How the event becomes a fact of the warehouse (events/facts.ts); none: by field names alone. */
  readonly facts?: FactSpec;
}

export type EventPayload<E extends EventDefinition> = z.infer<E['payload']>;
export type EventDetail<E extends EventDefinition> = EventPayload<E> & z.infer<typeof EventEnvelope>;

/**
 * A payload never defines an envelope field (test/unit/events/catalog.test.ts checks every event),
 * and its schema is not read here: it is built when an event is first published or parsed.
 */
export function defineEvent<Type extends string, Payload extends z.ZodMiniObject>(
  module: string,
  type: Type,
  description: string,
  payload: Payload,
  facts?: FactSpec,
): EventDefinition<Type, Payload> {
  return {
    type,
    source: `${EVENT_SOURCE_PREFIX}${module}`,
    description,
    payload,
    ...(facts ? { facts } : {}),
  };
}

const details = new WeakMap<EventDefinition, ReturnType<typeof buildDetail>>();

function buildDetail(event: EventDefinition) {
  return z.extend(event.payload, EventEnvelope.shape);
}

/**
 * The schema that validates a whole detail (payload and envelope) of an event. Built once per
 * event type: every publish and every delivery validates one, and a schema made afresh costs
 * more to build and to run the first time (zod compiles an object's parser on its first use)
 * than the validation itself.
 */
export function detailSchema<E extends EventDefinition>(event: E) {
  let schema = details.get(event);
  if (!schema) {
    schema = buildDetail(event);
    details.set(event, schema);
  }
  return schema as ReturnType<typeof z.extend<E['payload'], typeof EventEnvelope.shape>>;
}
