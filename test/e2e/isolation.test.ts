import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { ROLES, type Role } from '../../shared/platform/auth.ts';
import { type AnyRoute, isTenantRoute, routeKey } from '../../shared/platform/http/route.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { isolationFixtures, listQueries } from './fixtures/index.ts';

/**
 * Generated from the route table, so a new route is covered without anyone remembering to add it:
 * - a route that addresses a resource answers 404 to another tenant (never 403, never the data);
 * - a list answers another tenant without any of this tenant's resources;
 * - a role the route does not admit gets 403; no key gets 401.
 * A route that addresses a resource needs a fixture in test/e2e/fixtures/ (the first test fails
 * until it has one).
 */
const protectedRoutes = application.routes.filter(isTenantRoute);
const addressing = protectedRoutes.filter((r) => r.path.includes('{'));
// The member's own console session (/v1/session/...) answers only to that session's cookie, which
// an API key does not have: it lists nothing of a tenant (test/e2e/console.test.ts covers it).
const lists = protectedRoutes.filter(
  (r) => r.method === 'GET' && !r.path.includes('{') && !r.path.startsWith('/v1/session/'),
);

let runtime: LocalRuntime;
let a: SignedUpTenant;
let b: SignedUpTenant;
const keysByRole = new Map<Role, Api>();
const paramsOf = new Map<string, Record<string, string>>();

const fill = (path: string, params: Record<string, string>) =>
  path.replace(/\{(\w+)\+?\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'missing'));

const bodyFor = (route: AnyRoute) => isolationFixtures[route.path]?.bodies?.[route.method as 'POST'];

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  [a, b] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  keysByRole.set('admin', a.api);
  for (const role of ROLES.filter((r) => r !== 'admin'))
    keysByRole.set(role, (await memberWithKey(a.api, role)).api);
  for (const path of new Set(addressing.map((r) => r.path))) {
    const fixture = isolationFixtures[path];
    if (fixture) paramsOf.set(path, await fixture.create(a.api));
  }
  // Some 150 fixtures over HTTP, one after another: about 40 s on a quiet 2-core machine, several
  // times that when the machine is busy.
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('tenant isolation', () => {
  it('has a fixture for every route that addresses a resource', () => {
    const missing = addressing.filter((r) => !isolationFixtures[r.path]).map(routeKey);
    expect(missing, 'add fixtures for these routes in test/e2e/fixtures/').toEqual([]);
  });

  it.each(addressing.map((r) => [routeKey(r), r] as const))(
    "%s answers 404 for another tenant's resource",
    async (_, route) => {
      const params = paramsOf.get(route.path);
      expect(params, `no fixture for ${route.path}`).toBeDefined();
      if (route.body && ['POST', 'PATCH', 'PUT'].includes(route.method)) {
        expect(
          bodyFor(route),
          `the fixture for ${route.path} needs a valid ${route.method} body`,
        ).toBeDefined();
      }
      const path = fill(route.path, params!);
      const response = await b.api.request(route.method, path, bodyFor(route));
      expect(response.status, response.text).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.text).not.toContain(a.tenantId);
    },
  );

  it.each(lists.map((r) => [routeKey(r), r] as const))(
    '%s shows another tenant nothing of this one',
    async (_, route) => {
      const query = listQueries[route.path] ?? '';
      const response = await b.api.get(`${route.path}${query}`);
      expect(response.status, response.text).toBe(200);
      for (const params of paramsOf.values()) {
        for (const id of Object.values(params)) expect(response.text).not.toContain(id);
      }
      expect(response.text).not.toContain(a.tenantId);
    },
  );

  it.each(protectedRoutes.map((r) => [routeKey(r), r] as const))(
    '%s answers 401 without a key',
    async (_, route) => {
      const params = paramsOf.get(route.path) ?? {};
      const response = await a.api
        .as(undefined)
        .request(route.method, fill(route.path, params), bodyFor(route));
      expect(response.status).toBe(401);
      expect(response.body.type).toBe('urn:funnel:problem:unauthorized');
    },
  );

  const forbidden = protectedRoutes.flatMap((route) =>
    ROLES.filter((role) => !(route.access as readonly Role[]).includes(role)).map(
      (role) => [`${routeKey(route)} as ${role}`, route, role] as const,
    ),
  );
  it.each(forbidden)('%s answers 403', async (_, route, role) => {
    const params = paramsOf.get(route.path) ?? {};
    const response = await keysByRole
      .get(role)!
      .request(route.method, fill(route.path, params), bodyFor(route));
    expect(response.status, response.text).toBe(403);
    expect(response.body.requiredRoles).toEqual(route.access);
  });
});
