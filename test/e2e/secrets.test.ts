import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { carriesSecrets } from '../../shared/platform/http/handler.ts';
import { type AnyRoute, isTenantRoute, routeKey } from '../../shared/platform/http/route.ts';
import { rootLogger } from '../../shared/platform/logger.ts';
import { secretValues, withoutSecrets } from '../../shared/platform/secret-fields.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { secretFixtures } from './fixtures/secrets.ts';

/**
 * No secret at rest in plain text (issue 18, item 1). Every route whose response declares a
 * secret field is found through the route table, so a route added later is covered: the test
 * makes its resource with and without an `Idempotency-Key`, replays the keyed request, then reads
 * every item of the table and every log line the functions wrote, and finds no secret in them.
 */
// The operator's export route answers the same record as GET /v1/tenant/exports/{id}, covered here.
const secretRoutes = application.routes.filter((r) => carriesSecrets(r) && r.access !== 'operator');
const replayable = (route: AnyRoute) => isTenantRoute(route) && (route.idempotent ?? route.method === 'POST');

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
const secrets = new Set<string>();
const logs: string[] = [];
const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

beforeAll(async () => {
  // The functions log through Powertools to stdout and stderr; keep every line, at DEBUG.
  for (const stream of ['stdout', 'stderr'] as const) {
    const original = writes[stream];
    process[stream].write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logs.push(String(chunk));
      return original.call(process[stream], chunk, ...rest);
    }) as typeof process.stdout.write;
  }
  rootLogger.setLogLevel('DEBUG');
  runtime = await startTestRuntime({ logLevel: 'DEBUG' });
  tenant = await signUpOverHttp(runtime);
  secrets.add(tenant.adminKey);
});

afterAll(async () => {
  process.stdout.write = writes.stdout;
  process.stderr.write = writes.stderr;
  await runtime?.stop();
});

/** Every item of this test file's table, as JSON text (a Scan is fine in a test, never in the app). */
async function everyItem(): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
  const items: string[] = [];
  for await (const page of paginateScan({ client }, { TableName: process.env.TABLE_NAME! }))
    for (const item of page.Items ?? []) items.push(JSON.stringify(unmarshall(item)));
  client.destroy();
  return items;
}

/** A secret, and its random tail: a copy that kept only part of it would still be found. */
const tellTales = (secret: string) => [secret, secret.slice(-24)];

describe('secrets in responses', () => {
  it('are declared by at least the routes known to carry one', () => {
    expect(secretRoutes.map(routeKey)).toEqual(
      expect.arrayContaining(['POST /v1/tenants', 'POST /v1/api-keys', 'POST /v1/calendar/feed']),
    );
  });

  it('come from routes that each have a fixture in test/e2e/fixtures/secrets.ts', () => {
    expect(secretRoutes.map(routeKey).filter((key) => !secretFixtures[key])).toEqual([]);
  });

  it.each(secretRoutes.map((route) => [routeKey(route), route] as const))(
    '%s shows its secret once, and an Idempotency-Key replay without it',
    async (key, route) => {
      const schema = route.response.schema!;
      for (const idempotencyKey of [undefined, `secret-${Math.random().toString(36).slice(2)}`]) {
        const request = await secretFixtures[key]!(tenant.api);
        const headers = idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined;
        const send = () => tenant.api.request(route.method, request.path, request.body, { headers });
        const first = await send();
        expect(first.status, first.text).toBe(route.response.status);
        const shown = secretValues(schema, first.body);
        expect(shown.length, `${key} answered no secret`).toBeGreaterThan(0);
        for (const secret of shown) secrets.add(secret);
        if (!idempotencyKey || !replayable(route)) continue;

        const replay = await send();
        // A refused request with the same key is logged: the log check below has something to read.
        const refused = await tenant.api.request(route.method, request.path, { unknown: true }, { headers });
        expect(refused.status).toBe(400);
        expect(replay.status).toBe(first.status);
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(replay.body).toEqual(withoutSecrets(schema, first.body));
        expect(secretValues(schema, replay.body)).toEqual([]);
      }
    },
  );

  it('are in no item of the table and in no log line', async () => {
    expect(secrets.size).toBeGreaterThan(secretRoutes.length);
    await runtime.settle();
    const items = await everyItem();
    expect(
      items.some((item) => item.includes('"IDEM"')),
      'an idempotency record was written',
    ).toBe(true);
    const text = logs.join('');
    expect(text.length, 'the functions logged something').toBeGreaterThan(0);
    for (const secret of secrets) {
      for (const tell of tellTales(secret)) {
        expect(items.filter((item) => item.includes(tell))).toEqual([]);
        expect(text.includes(tell), `a log line holds ${tell}`).toBe(false);
      }
    }
  });
});
