import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { rootLogger } from '../../shared/platform/logger.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * One user action's correlation id in the logs of every function it touched: the API function,
 * the outbox relay, the bus's consumers, the queues' and the schedules' (shared/platform/correlation.ts).
 * The functions run in this process, so their log lines are read from its standard output.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
  await runtime.settle();
});

afterAll(async () => {
  await runtime?.stop();
});

function captureLogs(): { lines: Array<Record<string, unknown>>; stop(): void } {
  const lines: Array<Record<string, unknown>> = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const line of String(chunk).split('\n')) {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  const level = rootLogger.getLevelName();
  rootLogger.setLogLevel('INFO');
  return {
    lines,
    stop: () => {
      process.stdout.write = write;
      rootLogger.setLogLevel(level);
    },
  };
}

describe('a correlation id', () => {
  it('given with a request appears in the logs of every function the action touched, and comes back', async () => {
    const correlationId = `action-${newId()}`;
    const touched = new Set<string>();
    runtime.lambda.onInvocation((invocation) => touched.add(invocation.function));
    const logs = captureLogs();
    try {
      const unique = newId().toLowerCase();
      const created = await tenant.api.post(
        '/v1/contacts',
        { firstName: 'Grace', lastName: 'Hopper', email: `grace-${unique}@navy.example` },
        { headers: { 'x-correlation-id': correlationId } },
      );
      expect(created.status, created.text).toBe(201);
      expect(created.headers.get('x-correlation-id')).toBe(correlationId);
      await runtime.settle();
    } finally {
      logs.stop();
    }

    const withId = logs.lines.filter((line) => line.correlationId === correlationId);
    const logged = new Set(withId.map((line) => line.function));
    // The authorizer's verdict is cached per key and is not part of the action. The warehouse's
    // arrivals handler reads a Parquet file Firehose wrote from many actions' events at once: the
    // action is found one step before, in warehouse-transform's line for its event. The API-call
    // meter reads a batch of the access log, many actions' lines at once: the access log line
    // itself carries the request id.
    touched.delete('authorizer');
    touched.delete('warehouse-arrivals');
    touched.delete('meter-api-calls');
    expect(touched.size).toBeGreaterThan(2);
    expect([...touched].filter((name) => !logged.has(name))).toEqual([]);
    expect(withId.every((line) => line.tenantId === undefined || line.tenantId === tenant.tenantId)).toBe(
      true,
    );
  });

  it('is made from the request id when the caller sends none', async () => {
    const response = await tenant.api.get('/v1/me');
    expect(response.headers.get('x-correlation-id')).toBe(response.headers.get('x-request-id'));
  });
});
