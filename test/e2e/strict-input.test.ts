import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type AnyRoute, isTenantRoute, routeKey } from '../../shared/platform/http/route.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Strict input (issue 19, item 4), for every route of the route table, so a route added later is
 * covered: a query parameter or a body field the route does not declare is refused with 400 and
 * its path, and the OpenAPI document shows request bodies as closed objects.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let openApi: any;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
  openApi = (await new Api(runtime.urls.api).get('/v1/openapi.json')).body;
});

afterAll(async () => {
  await runtime?.stop();
});

/** Path parameters only need to be well-formed: validation answers before any record is read. */
const fill = (path: string) => path.replace(/\{(\w+)\+?\}/g, () => '01JA0000000000000000000000');

const caller = (route: AnyRoute) => (route.access === 'public' ? tenant.api.as(undefined) : tenant.api);

const errorPaths = (body: { errors?: Array<{ path: string }> }) => (body.errors ?? []).map((e) => e.path);

/** A route whose body is a JSON object, or that takes none, names every field it knows (fetch sends no GET body). */
// Operator routes answer a tenant 404 (test/e2e/subscriptions.test.ts calls them as the operator).
const routes = application.routes.filter((r) => r.access === 'public' || isTenantRoute(r));

const jsonBodied = routes.filter((r) => r.method !== 'GET' && (r.bodyEncoding ?? 'json') === 'json');

describe('strict input', () => {
  it.each(routes.map((r) => [routeKey(r), r] as const))(
    '%s refuses an unknown query parameter, naming it',
    async (_, route) => {
      const response = await caller(route).request(route.method, `${fill(route.path)}?colour=blue`);
      expect(response.status, response.text).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(errorPaths(response.body)).toContain('query.colour');
    },
  );

  it.each(jsonBodied.map((r) => [routeKey(r), r] as const))(
    '%s refuses an unknown body field, naming it',
    async (_, route) => {
      const response = await caller(route).request(route.method, fill(route.path), { emial: 'a@b.example' });
      expect(response.status, response.text).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(errorPaths(response.body)).toContain('body.emial');
    },
  );

  it('documents every JSON request body as a closed object', () => {
    const resolve = (schema: { $ref?: string }) =>
      schema.$ref ? openApi.components.schemas[schema.$ref.split('/').pop()!] : schema;
    const open = jsonBodied
      .filter((route) => route.body)
      .filter((route) => {
        const operation = openApi.paths[route.path][route.method.toLowerCase()];
        const schema = resolve(operation.requestBody.content['application/json'].schema);
        return schema.type === 'object' && schema.additionalProperties !== false;
      })
      .map(routeKey);
    expect(open).toEqual([]);
  });
});
