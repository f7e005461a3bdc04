import middy from '@middy/core';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { detailSchema, type EventDefinition, type EventDetail } from '../../events/define.ts';
import { type Clock, fixedClock, systemClock } from './clock.ts';
import { type TenantContext, tenantContext } from './context.ts';
import { CORRELATION_ATTRIBUTE, correlationFrom, correlationId, withCorrelation } from './correlation.ts';
import { asTenantId } from './db/keys.ts';
import { lazy } from './lazy.ts';
import { withKeys } from './logger.ts';
import { IsoDateTime } from './schema.ts';

/**
 * Builders for the non-HTTP entry points. Like the HTTP builder they parse the trigger's shape,
 * build a tenant context and hand a typed value to a service; retries and dead letters are the
 * platform's (EventBridge, Lambda async retries, SQS redrive), so handlers throw on failure.
 */

type AnyEvent = EventDefinition;
export type DomainEventOf<E extends AnyEvent> = E extends AnyEvent
  ? { type: E['type']; detail: EventDetail<E> }
  : never;

/**
 * A consumer of domain events from the bus. The detail is validated against the catalog; an event
 * can be delivered more than once, so `handle` must be idempotent (key its effects on `eventId`
 * or on what makes the effect unique).
 */
export function eventHandler<const E extends readonly AnyEvent[]>(
  name: string,
  events: E,
  handle: (event: DomainEventOf<E[number]>, ctx: TenantContext) => Promise<void>,
) {
  const byType = new Map(events.map((e) => [e.type, e]));
  return middy<EventBridgeEvent<string, unknown>, void, Error, Context>().handler(
    async (envelope, context) => {
      const definition = byType.get(envelope['detail-type']);
      if (!definition)
        throw new Error(`${name} received ${envelope['detail-type']}, which it does not handle.`);
      const detail = detailSchema(definition).parse(envelope.detail) as EventDetail<E[number]>;
      await withCorrelation(detail.correlationId ?? detail.eventId, async () => {
        const ctx = tenantContext({
          tenantId: asTenantId(detail.tenantId),
          actor: { type: 'system', process: name },
          requestId: detail.eventId,
        });
        await handle({ type: definition.type, detail } as DomainEventOf<E[number]>, ctx);
        ctx.logger.info('event handled', {
          function: context.functionName,
          eventType: definition.type,
          eventId: detail.eventId,
        });
      });
    },
  );
}

/** What EventBridge Scheduler passes to a job: the schedule's name, its tenant, and optionally the date to act "as of". */
export const JobInput = lazy(() =>
  z.object({
    schedule: z.string(),
    tenantId: z.optional(z.string()),
    /** Run as if it were this instant (tests, and `/_local/schedules/{name}/run` with a date). */
    asOf: z.optional(IsoDateTime),
    payload: z.optional(z.record(z.string(), z.unknown())),
    /** The user action that created a one-time schedule; a recurring run starts its own. */
    correlationId: z.optional(z.string()),
  }),
);
export type JobInput = z.infer<typeof JobInput>;

export interface JobRun {
  input: JobInput;
  clock: Clock;
  /** Present for per-tenant and one-time schedules, which name their tenant. */
  ctx: TenantContext | undefined;
}

export function jobHandler<R>(name: string, run: (job: JobRun) => Promise<R>) {
  return middy<unknown, R, Error, Context>().handler(async (raw, context) => {
    const input = JobInput.parse(raw);
    const clock = input.asOf ? fixedClock(input.asOf) : systemClock;
    return withCorrelation(correlationFrom(input.correlationId), async () => {
      const ctx = input.tenantId
        ? tenantContext({
            tenantId: asTenantId(input.tenantId),
            actor: { type: 'system', process: name },
            clock,
          })
        : undefined;
      const result = await run({ input, clock, ctx });
      withKeys({ tenantId: input.tenantId, correlationId: correlationId() }).info('job done', {
        function: context.functionName,
        schedule: input.schedule,
      });
      return result;
    });
  });
}

/**
 * A queue consumer with partial batch failures: a message that throws is retried alone (and
 * dead-lettered after the queue's maxReceiveCount); the others are deleted. Messages are handled
 * one after another, or all at once with `concurrent` (for work that waits on other systems).
 */
export function queueHandler<S extends z.ZodMiniType>(
  name: string,
  schema: S,
  handle: (message: z.infer<S>, record: SQSRecord) => Promise<void>,
  options: { concurrent?: boolean } = {},
) {
  const logger = withKeys({ consumer: name });
  return middy<SQSEvent, SQSBatchResponse, Error, Context>().handler(async (event, context) => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    const one = (record: SQSRecord) =>
      withCorrelation(
        correlationFrom(record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue),
        async () => {
          try {
            await handle(schema.parse(JSON.parse(record.body)), record);
            logger.info('message handled', {
              function: context.functionName,
              messageId: record.messageId,
              correlationId: correlationId(),
            });
          } catch (error) {
            logger.error('message failed', {
              messageId: record.messageId,
              correlationId: correlationId(),
              error: String(error),
            });
            failures.push({ itemIdentifier: record.messageId });
          }
        },
      );
    if (options.concurrent) await Promise.all(event.Records.map(one));
    else for (const record of event.Records) await one(record);
    return { batchItemFailures: failures };
  });
}
