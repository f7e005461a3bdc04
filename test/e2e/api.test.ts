import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { confirmTenantByMail } from '../../infra/local/verify-by-mail.ts';
import { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { signupBody } from '../support/signup-body.ts';

let runtime: LocalRuntime;
let api: Api;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  api = new Api(runtime.urls.api);
  tenant = await signUpOverHttp(runtime);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a new customer', () => {
  it('signs up, confirms the address, adds a sales member with a key, and calls the API as that member', async () => {
    const signup = await api.post('/v1/tenants', signupBody({ name: 'Globex' }));
    expect(signup.status).toBe(201);
    const admin = api.as(signup.body.apiKey.key);
    // The README's walkthrough: the admin follows the link mailed to them before adding members.
    await confirmTenantByMail(runtime.urls.mailViewer, signup.body.admin.email);
    const member = await admin.post('/v1/members', {
      name: 'Sally Sales',
      email: 'sally@globex.example',
      role: 'sales',
    });
    expect(member.status).toBe(201);
    const key = await admin.post('/v1/api-keys', { name: 'Sally laptop', memberId: member.body.id });
    expect(key.status).toBe(201);
    expect(key.body.key).toMatch(/^fcrm_/);

    const sally = api.as(key.body.key);
    const me = await sally.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'Sally Sales', role: 'sales' });
    const contact = await sally.post('/v1/contacts', {
      firstName: 'Hank',
      lastName: 'Scorpio',
      email: 'hank@globex.example',
    });
    expect(contact.status).toBe(201);
    expect((await sally.post('/v1/api-keys', { name: 'nope' })).status).toBe(403);
  });
});

describe('authentication', () => {
  it('answers 401 problem documents for no key, a malformed key and a revoked key', async () => {
    const none = await api.get('/v1/me');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.body.requestId).toBeTruthy();

    const malformed = await api.as('not-a-key').get('/v1/me');
    expect(malformed.status).toBe(401);
    expect(malformed.body.detail).toBe('The API key is malformed.');

    const extra = await tenant.api.post('/v1/api-keys', { name: 'to revoke' });
    const revokedApi = api.as(extra.body.key);
    expect((await revokedApi.get('/v1/me')).status).toBe(200);
    expect((await tenant.api.delete(`/v1/api-keys/${extra.body.id}`)).status).toBe(200);
    const revoked = await revokedApi.get('/v1/me');
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toBe('The API key was revoked.');
  });
});

describe('bad input', () => {
  it('gets a 404 problem for an unknown route', async () => {
    const response = await tenant.api.get('/v1/nowhere');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.requestId).toBeTruthy();
  });

  it('gets a 400 for malformed JSON and a 413 for a body over 1 MB', async () => {
    const malformed = await tenant.api.post('/v1/contacts', undefined, {
      raw: '{"firstName": "Ada"',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const huge = await tenant.api.post('/v1/contacts', { firstName: 'x'.repeat(1_100_000), lastName: 'y' });
    expect(huge.status).toBe(413);
    expect(huge.body.requestId).toBeTruthy();
  });

  it('gets field paths for invalid fields', async () => {
    const response = await tenant.api.post('/v1/members', {
      name: '',
      email: 'not-an-email',
      role: 'emperor',
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.email',
      'body.name',
      'body.role',
    ]);
  });
});

describe('conventions', () => {
  it('replays the first response for a repeated Idempotency-Key and refuses it with another body', async () => {
    const headers = { 'idempotency-key': `contact-${Date.now()}` };
    const body = { firstName: 'Ida', lastName: 'Empotent' };
    const first = await tenant.api.post('/v1/contacts', body, { headers });
    const again = await tenant.api.post('/v1/contacts', body, { headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await tenant.api.post('/v1/contacts', { ...body, lastName: 'Different' }, { headers });
    expect(other.status).toBe(422);
  });

  it('lets exactly one of two concurrent updates with the same If-Match succeed', async () => {
    const created = await tenant.api.post('/v1/contacts', { firstName: 'Con', lastName: 'Current' });
    const etag = created.headers.get('etag')!;
    const [one, two] = await Promise.all([
      tenant.api.patch(
        `/v1/contacts/${created.body.id}`,
        { firstName: 'One' },
        { headers: { 'if-match': etag } },
      ),
      tenant.api.patch(
        `/v1/contacts/${created.body.id}`,
        { firstName: 'Two' },
        { headers: { 'if-match': etag } },
      ),
    ]);
    expect([one.status, two.status].sort()).toEqual([200, 412]);
  });

  it('pages through a list with a cursor that another tenant cannot use', async () => {
    for (let i = 0; i < 3; i++)
      await tenant.api.post('/v1/members', {
        name: `Pager ${i}`,
        email: `pager-${i}@example.com`,
        role: 'support',
      });
    const first = await tenant.api.get('/v1/members?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await tenant.api.get(`/v1/members?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const other = await signUpOverHttp(runtime);
    expect((await other.api.get(`/v1/members?limit=2&cursor=${first.body.nextCursor}`)).status).toBe(400);
    expect((await tenant.api.get('/v1/members?limit=101')).status).toBe(400);
  });

  it('lets a sales member read but not manage members', async () => {
    const sales = await memberWithKey(tenant.api, 'sales');
    expect((await sales.api.get('/v1/members')).status).toBe(200);
    const denied = await sales.api.post('/v1/members', { name: 'X', email: 'x@example.com', role: 'admin' });
    expect(denied.status).toBe(403);
    expect(denied.body.requiredRoles).toEqual(['admin']);
  });
});

describe('API documentation', () => {
  it('describes every declared route in an OpenAPI 3.1 document that Redocly lints without errors', async () => {
    const response = await api.get('/v1/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toBe('3.1.0');
    // Operator routes are left out: to tenants they do not exist (docs/operator.md).
    for (const route of application.routes.filter((r) => r.access !== 'operator')) {
      expect(
        document.paths[route.path]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    writeFileSync(join(dir, 'openapi.json'), response.text);
    // Asynchronously: the runtime serves from this process, and a blocked event loop lets its
    // keep-alive sockets expire under the next request (ECONNRESET on a busy machine).
    const lint = await promisify(execFile)(
      process.execPath,
      [
        join('node_modules', '@redocly', 'cli', 'bin', 'cli.js'),
        'lint',
        join(dir, 'openapi.json'),
        '--format=json',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
      // Redocly exits non-zero when it finds errors; its report is on stdout either way.
    ).catch((failure: { stdout: string }) => failure);
    const report = JSON.parse(lint.stdout);
    const errors = report.problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors).toEqual([]);
  });

  it('sends the document compressed, with an ETag that revalidates to 304', async () => {
    const first = await fetch(new URL('/v1/openapi.json', api.baseUrl), {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-encoding')).toBe('gzip');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toContain('public');
    // fetch decompresses: the body is the whole document.
    expect(((await first.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const again = await api.get('/v1/openapi.json', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('offers a filter over operations and says what to do without JavaScript', async () => {
    const page = await api.get('/docs');
    expect(page.text).toContain('filter: true');
    expect(page.text).toMatch(/<noscript>[\s\S]*\/v1\/openapi\.json[\s\S]*<\/noscript>/);
  });

  it('answers a creation with the Location where the new record is read', async () => {
    const created = await tenant.api.post('/v1/contacts', {
      firstName: 'Lin',
      lastName: 'Wei',
      email: 'lin@example.com',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/contacts/${created.body.id}`);
    const read = await tenant.api.get(created.headers.get('location')!);
    expect(read.body.email).toBe('lin@example.com');
  });

  it('serves a docs page whose scripts and styles come from this API, not a CDN', async () => {
    const page = await api.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source.startsWith('/')).toBe(true);
      expect((await api.get(source)).status).toBe(200);
    }
  });
});

describe('the local runtime', () => {
  it('reports the state of each part at /health', async () => {
    const health = await api.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(Object.keys(health.body.parts)).toEqual(
      expect.arrayContaining(['api', 'dynamodb', 'ses', 'scheduler']),
    );
  });

  it('publishes the events of committed changes and delivers them without dead letters', async () => {
    await signUpOverHttp(runtime);
    await runtime.settle();
    expect(runtime.deadLetters.list()).toEqual([]);
  });
});
