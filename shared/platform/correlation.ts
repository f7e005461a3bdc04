import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The correlation id: one id for everything one user action caused, so that one search finds every
 * log line of it. It starts at the API (the caller's `X-Correlation-Id`, else the request's id),
 * rides on every event the action's writes publish (`detail.correlationId`, from the outbox), on
 * the queue messages and one-time schedules it creates (a message attribute, the schedule's input),
 * and every function's entry point (shared/platform/handlers.ts, http/handler.ts, streams.ts)
 * restores it for the invocation. Held in AsyncLocalStorage rather than passed around, because the
 * local runtime serves concurrent invocations in one process and code deep in a call builds its own
 * contexts and loggers.
 */
const current = new AsyncLocalStorage<string>();

export const CORRELATION_HEADER = 'x-correlation-id';
/** The queue message attribute that carries it. */
export const CORRELATION_ATTRIBUTE = 'correlationId';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's id when it is one we can log safely, else undefined. */
export function correlationFrom(value: unknown): string | undefined {
  return typeof value === 'string' && WELL_FORMED.test(value) ? value : undefined;
}

export function correlationId(): string | undefined {
  return current.getStore();
}

/** Runs `work` as part of `id` (a new one when there is none: a scheduled run starts its own). */
export function withCorrelation<T>(id: string | undefined, work: () => T): T {
  return current.run(id ?? randomUUID(), work);
}
