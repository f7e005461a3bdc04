import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import { freePort } from '../../infra/local/ports.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { buildOpenApi } from '../../shared/platform/http/openapi.ts';
import {
  apply,
  encode,
  type FuzzRequest,
  type Json,
  type Mutation,
  mutations,
  type Operation,
  resolverFor,
} from '../support/fuzz.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { isolationFixtures } from './fixtures/index.ts';

/**
 * A seeded, bounded property-based fuzz of every operation of the OpenAPI document (issue 18,
 * item 8), against the local runtime with a real tenant and real records. The operations come from
 * the document itself, so an operation added later is fuzzed without anyone remembering it. Each
 * gets CASES malformed requests (see test/support/fuzz.ts); none may answer 5xx, and every 4xx of
 * an operation that speaks JSON must be a problem document.
 *
 * A failure prints the request; rerun one operation with `-t '<METHOD> <path>'`. The seed is
 * fixed so that runs are comparable; FUZZ_SEED and FUZZ_CASES override it and the count locally.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_418);
const CASES = Number(process.env.FUZZ_CASES ?? 32);

const document = buildOpenApi(application.routes, {
  title: 'Funnel CRM API',
  version: 'fuzz',
  description: 'fuzz',
  tags: application.tags,
}) as Json;
const components = document.components.schemas as Record<string, Json>;
const resolve = resolverFor(components);

const operations: Operation[] = Object.entries(
  document.paths as Record<string, Record<string, Json>>,
).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => {
    const content = operation.requestBody?.content as Record<string, Json> | undefined;
    const [mediaType, media] = Object.entries(content ?? {})[0] ?? [];
    return {
      method: method.toUpperCase(),
      path,
      operation,
      ...(media ? { body: resolve(media.schema), bodyMediaType: mediaType } : {}),
    };
  }),
);

const routeOf = (op: Operation) =>
  application.routes.find((r) => r.method === op.method && r.path === op.path)!;

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
const paramsOf = new Map<string, Record<string, string>>();
const statuses = new Map<number, number>();

beforeAll(async () => {
  // A DynamoDB Local of its own: DynamoDB Local runs every statement on one SQLite thread, and this
  // file's ten thousand requests on the run's shared one held that thread busy for half an hour,
  // slowing every file beside it. With its own, the two workers' files stop queuing on one thread.
  runtime = await startTestRuntime({
    authorizerCacheTtlSeconds: 0,
    rateLimits: false,
    dynamodbEndpoint: undefined,
    dynamodbPort: await freePort(),
  });
  tenant = await signUpOverHttp(runtime);
  // Real records for the operations that address one, so valid-looking requests reach the services.
  const paths = [...new Set(operations.map((op) => op.path))].filter((p) => isolationFixtures[p]);
  for (let i = 0; i < paths.length; i += 4) {
    await Promise.all(
      paths.slice(i, i + 4).map(async (path) => {
        const params = await isolationFixtures[path]!.create(tenant.api).catch(() => undefined);
        if (params) paramsOf.set(path, params);
      }),
    );
  }
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

const FAKE_ID = '01JA0000000000000000000000';

function baseRequest(op: Operation): FuzzRequest {
  const known = paramsOf.get(op.path) ?? {};
  const params: Record<string, string> = {};
  for (const match of op.path.matchAll(/\{(\w+)\+?\}/g)) {
    const name = match[1]!;
    params[name] = encodeURIComponent(known[name] ?? (name === 'token' ? 'x'.repeat(40) : FAKE_ID));
  }
  const headers: Record<string, string> = {};
  if (routeOf(op).access !== 'public') headers.authorization = `Bearer ${tenant.adminKey}`;
  if (op.bodyMediaType) headers['content-type'] = op.bodyMediaType;
  else if (op.method !== 'GET') headers['content-type'] = 'application/json';
  return { method: op.method, params, query: [], headers };
}

function urlOf(op: Operation, request: FuzzRequest): string {
  const path = op.path.replace(/\{(\w+)\+?\}/g, (_, name: string) => request.params[name] ?? '');
  const query = request.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  return `${runtime.urls.api}${path}${query ? `?${query}` : ''}`;
}

async function send(op: Operation, request: FuzzRequest, body = request.body) {
  const response = await fetch(urlOf(op, request), {
    method: request.method,
    headers: request.headers,
    ...(body !== undefined && request.method !== 'GET' ? { body: body as BodyInit } : {}),
  });
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  return { status: response.status, type: response.headers.get('content-type') ?? '', text };
}

/** A real cursor of a list operation, for the mutation that edits one. */
async function realCursor(op: Operation): Promise<string | undefined> {
  if (op.method !== 'GET') return undefined;
  const request = baseRequest(op);
  request.query.push(['limit', '1']);
  const response = await send(op, request);
  if (response.status !== 200 || !response.type.includes('json')) return undefined;
  return JSON.parse(response.text).nextCursor;
}

const describeRequest = (op: Operation, request: FuzzRequest) =>
  JSON.stringify({
    url: urlOf(op, request).replace(runtime.urls.api, ''),
    method: request.method,
    headers: { ...request.headers, authorization: request.headers.authorization?.slice(0, 20) },
    body: typeof request.body === 'string' ? request.body.slice(0, 400) : request.body && '<bytes>',
  });

describe('fuzz', () => {
  it('covers every operation of the served OpenAPI document', async () => {
    const served = (await fetch(runtime.urls.openapi).then((r) => r.json())) as Json;
    const keys = (doc: Json) =>
      Object.entries(doc.paths as Record<string, Json>)
        .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
    expect(keys(served)).toEqual(operations.map((op) => `${op.method} ${op.path}`).sort());
  });

  it.each(operations.map((op) => [`${op.method} ${op.path}`, op] as const))(
    '%s answers no 5xx to malformed requests',
    async (_, op) => {
      const route = routeOf(op);
      // HTML pages, CSV files and calendar feeds may answer errors in their own format.
      const json = !route.response.contentType || route.response.contentType.includes('json');
      const cursor = await realCursor(op);
      const requestOf = (list: Mutation[]) => {
        const request = baseRequest(op);
        for (const mutation of list) apply(request, mutation, cursor ? { cursor } : {});
        return request;
      };
      await fc.assert(
        fc.asyncProperty(fc.array(mutations(op, resolve), { minLength: 1, maxLength: 2 }), async (list) => {
          const request = requestOf(list);
          const answers = [await send(op, request)];
          if (request.replayBody !== undefined) answers.push(await send(op, request, request.replayBody));
          for (const answer of answers) {
            const context = `${describeRequest(op, request)} → ${answer.status} ${answer.text.slice(0, 300)}`;
            expect(answer.status, context).toBeLessThan(500);
            if (answer.status >= 400 && json) expect(answer.type, context).toBe('application/problem+json');
          }
        }),
        { seed: SEED, numRuns: CASES, endOnFailure: true },
      );
    },
    120_000,
  );

  it('reached the services, not only the validation in front of them', () => {
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const succeeded = [...statuses].filter(([s]) => s < 300).reduce((a, [, n]) => a + n, 0);
    expect(total).toBeGreaterThanOrEqual(operations.length * CASES);
    expect(succeeded, JSON.stringify(Object.fromEntries(statuses))).toBeGreaterThan(total / 50);
    for (const status of [400, 404, 412, 413, 415])
      expect(statuses.get(status) ?? 0, `${status}`).toBeGreaterThan(0);
  });
});
