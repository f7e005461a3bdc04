import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { FaultSpec } from '../../infra/local/aws/faults.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { Api, ApiResponse, RequestOptions } from '../support/api.ts';
import { startTestRuntime } from '../support/runtime.ts';

/**
 * What the fault suite shares: a runtime with the DynamoDB fault proxy and a fixed seed, a client
 * that behaves as the API conventions ask of one (a 503 with Retry-After is sent again, with the
 * same Idempotency-Key), and a record of every answer that breaks the promise "no 5xx but 503 with
 * Retry-After".
 */
export const SEED = 18;

export function startFaultRuntime(): Promise<LocalRuntime> {
  return startTestRuntime({ faults: { seed: SEED }, authorizerCacheTtlSeconds: 0, sesMaxSendRate: 200 });
}

/** Answers no client may see: a 5xx other than 503, or a 503 without Retry-After. */
export const broken: string[] = [];

/** How many 503s with Retry-After clients met and sent again (a fault that reached the client). */
export const retried = { count: 0 };

/**
 * The API as a careful client uses it: every POST carries an Idempotency-Key (the same on every
 * attempt), and a 503 with Retry-After is sent again after the time it asks for. Waits are capped
 * at a tenth of a second here: the suite proves the outcome, not the patience.
 */
export class RetryingClient {
  constructor(readonly api: Api) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers = { ...options.headers };
    if (method === 'POST') headers['idempotency-key'] ??= randomUUID();
    for (let attempt = 1; ; attempt++) {
      const response = await this.api.request<T>(method, path, body, { ...options, headers });
      if (response.status < 500) return response;
      const retryAfter = response.headers.get('retry-after');
      if (response.status !== 503 || !retryAfter) {
        broken.push(`${method} ${path} → ${response.status} ${response.text}`);
        return response;
      }
      if (attempt >= 8) return response;
      retried.count++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, Number(retryAfter) * 1000)));
    }
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
}

/** The answer's body once its status is the expected one (the test stops with the answer otherwise). */
export async function ok<T = any>(response: Promise<ApiResponse<T>>, status = 200): Promise<T> {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

export function inject(runtime: LocalRuntime, ...specs: FaultSpec[]): void {
  for (const spec of specs) runtime.faults.inject(spec);
}

/**
 * Fires a schedule as EventBridge Scheduler does: a target that fails is invoked again with the
 * same input (its retry policy), here up to three times in all, even when the run deleted its own
 * one-time schedule before it failed; resolves once everything the runs caused has settled.
 */
export async function fire(runtime: LocalRuntime, name: string, options: { asOf?: string } = {}) {
  const listed = new Map(runtime.scheduler.list().map((s) => [s.name, s]));
  const runs = await runtime.scheduler.runNow(name, options);
  await runtime.settle();
  for (const run of runs.filter((r) => !r.ok)) {
    const schedule = listed.get(run.name)!;
    const input = options.asOf ? { ...(schedule.input as object), asOf: options.asOf } : schedule.input;
    let attempt = 1;
    for (; attempt < 3; attempt++) {
      const ok = await runtime.lambda.invoke(schedule.target, input).then(
        () => true,
        () => false,
      );
      await runtime.settle();
      if (ok) break;
    }
    if (attempt === 3) throw new Error(`${run.name} still failed after three attempts.`);
  }
}

export interface StoredMail {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

/** Every mail the local SES accepted, to the address given. */
export async function mailsTo(runtime: LocalRuntime, address: string): Promise<StoredMail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: StoredMail[] };
  return store.emails.filter((m) =>
    m.destination.to.some((t) => t.toLowerCase().includes(address.toLowerCase())),
  );
}

/**
 * Settles the runtime, then clears what remains armed, so that the outcome checked is the one the
 * system reaches. Every fault must have met at least one call: one that never fired means the
 * path did not go where the test says it goes.
 */
export async function settleAll(runtime: LocalRuntime): Promise<void> {
  await runtime.settle();
  const idle = runtime.faults.list().filter((f) => f.injected === 0);
  runtime.faults.clear();
  await runtime.settle();
  expect(idle, 'faults that never met a call').toEqual([]);
}

export function unique(): string {
  return Math.random().toString(36).slice(2, 10);
}
