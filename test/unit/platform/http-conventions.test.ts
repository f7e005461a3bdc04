import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { AuthorizerContext, HttpEvent } from '../../../shared/platform/http/handler.ts';
import { httpHandler, reply } from '../../../shared/platform/http/handler.ts';
import { route } from '../../../shared/platform/http/route.ts';
import { Email } from '../../../shared/platform/schema.ts';

/** Conventions applied by the shared middleware, observed through a made-up module's routes. */
const Thing = z.object({ id: z.string(), email: z.string(), version: z.int() });
const routes = {
  create: route({
    operationId: 'createThing',
    method: 'POST',
    path: '/v1/things',
    function: 'things',
    access: ['admin', 'sales'],
    summary: 'Create a thing',
    tags: ['Things'],
    body: z.object({ email: Email, quantity: z.int().check(z.minimum(1)) }),
    response: { status: 201, schema: Thing },
    versioned: true,
  }),
  read: route({
    operationId: 'readThing',
    method: 'GET',
    path: '/v1/things/{id}',
    function: 'things',
    access: 'public',
    summary: 'Read a thing',
    tags: ['Things'],
    params: z.object({ id: z.string().check(z.length(3)) }),
    response: { status: 200, schema: Thing },
  }),
  crash: route({
    operationId: 'crash',
    method: 'GET',
    path: '/v1/crash',
    function: 'things',
    access: 'public',
    summary: 'Crash',
    tags: ['Things'],
    response: { status: 200 },
  }),
};

const handler = httpHandler(routes, {
  create: async ({ body }) => ({ id: 'abc', email: body.email, version: 1, secretHash: 'must not leak' }),
  read: async ({ params }) =>
    reply({ id: params.id, email: 'a@b.co', version: 4 }, { headers: { 'x-extra': 'yes' } }),
  crash: async () => {
    throw new Error('database password is hunter2');
  },
});

const admin: AuthorizerContext = {
  authenticated: true,
  tenantId: '01JA0000000000000000000000',
  memberId: 'm',
  role: 'admin',
  keyId: 'k',
};

function event(
  method: string,
  path: string,
  options: {
    routeKey?: string;
    body?: string;
    headers?: Record<string, string>;
    auth?: AuthorizerContext;
    params?: Record<string, string>;
  } = {},
): HttpEvent {
  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.params ? { pathParameters: options.params } : {}),
    requestContext: {
      accountId: '0',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-42',
      routeKey: options.routeKey ?? `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      ...(options.auth ? { authorizer: { lambda: options.auth } } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
  } as HttpEvent;
}

const call = async (e: HttpEvent) => {
  const response = await handler(e, {} as Context);
  return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
};

describe('HTTP conventions', () => {
  it('refuses to load a function whose routes reference records it was not told how to find', () => {
    const linked = {
      create: route({ ...routes.create, references: { contactId: 'contact' } }),
    };
    expect(() =>
      httpHandler(linked, { create: async () => ({ id: 'abc', email: 'a@b.co', version: 1 }) }),
    ).toThrow(/POST \/v1\/things references contact/);
  });

  it('answers 401 with a problem document when the caller is not authenticated', async () => {
    const response = await call(
      event('POST', '/v1/things', {
        body: '{}',
        auth: { authenticated: false, reason: 'The API key was revoked.' },
      }),
    );
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({
      status: 401,
      detail: 'The API key was revoked.',
      requestId: 'req-42',
    });
  });

  it('answers 403 naming the roles allowed when the role may not use the route', async () => {
    const response = await call(
      event('POST', '/v1/things', { body: '{}', auth: { ...admin, role: 'readonly' } }),
    );
    expect(response.statusCode).toBe(403);
    expect(response.json.requiredRoles).toEqual(['admin', 'sales']);
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await call(event('POST', '/v1/things', { body: '{"email": ', auth: admin }));
    expect(response.statusCode).toBe(400);
    expect(response.json.detail).toMatch(/not valid JSON/);
    expect(response.json.requestId).toBe('req-42');
  });

  it('answers 400 for a body nested deeper than any request needs, which JSON.parse reads but nothing else can', async () => {
    for (const depth of [33, 10_000]) {
      const body = `{"email":"a@b.co","quantity":1,"pad":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const response = await call(event('POST', '/v1/things', { body, auth: admin }));
      expect(response.statusCode).toBe(400);
      expect(response.json.detail).toBe('The body nests more than 32 levels of objects and arrays.');
    }
  });

  it('lists the first hundred invalid fields of a body with thousands', async () => {
    const body = JSON.stringify({
      email: 'a@b.co',
      quantity: 1,
      ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`x${i}`, 1])),
    });
    const response = await call(event('POST', '/v1/things', { body, auth: admin }));
    expect(response.statusCode).toBe(400);
    expect(response.json.errors).toHaveLength(100);
    expect(response.json.detail).toBe('The request has 5000 invalid fields; the first 100 are listed.');
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const big = JSON.stringify({ email: 'a@b.co', quantity: 1, pad: 'x'.repeat(1024 * 1024) });
    const response = await call(event('POST', '/v1/things', { body: big, auth: admin }));
    expect(response.statusCode).toBe(413);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await call(
      event('POST', '/v1/things', {
        body: 'email=a',
        auth: admin,
        headers: { 'content-type': 'text/plain' },
      }),
    );
    expect(response.statusCode).toBe(415);
  });

  it('reports every invalid field with its path at once', async () => {
    const response = await call(
      event('POST', '/v1/things', { body: '{"email":"nope","quantity":0}', auth: admin }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.email',
      'body.quantity',
    ]);
  });

  it('validates path parameters too', async () => {
    const response = await call(
      event('GET', '/v1/things/toolong', { routeKey: 'GET /v1/things/{id}', params: { id: 'toolong' } }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json.errors[0].path).toBe('path.id');
  });

  it('shapes responses through their schema, so internal attributes never leave', async () => {
    const response = await call(
      event('POST', '/v1/things', { body: '{"email":" A@B.CO ","quantity":2}', auth: admin }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json).toEqual({ id: 'abc', email: 'a@b.co', version: 1 });
    expect(response.headers?.etag).toBe('"1"');
    expect(response.headers?.['x-request-id']).toBe('req-42');
  });

  it('keeps headers an operation sets', async () => {
    const response = await call(
      event('GET', '/v1/things/abc', { routeKey: 'GET /v1/things/{id}', params: { id: 'abc' } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['x-extra']).toBe('yes');
  });

  it('refuses an If-Match that is not one of our ETags', async () => {
    const response = await call(
      event('POST', '/v1/things', {
        body: '{"email":"a@b.co","quantity":1}',
        auth: admin,
        headers: { 'if-match': 'yesterday' },
      }),
    );
    expect(response.statusCode).toBe(412);
  });

  it('hides the cause of a crash behind a 500 with the request id', async () => {
    const response = await call(event('GET', '/v1/crash'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
    expect(response.json.requestId).toBe('req-42');
  });
});
