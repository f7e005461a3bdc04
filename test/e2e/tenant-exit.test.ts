import { createHash } from 'node:crypto';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../functions/app/tenant-data.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { db } from '../../shared/platform/db/client.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { everyTenantItem, expiringTenantData, tenantDataSources } from '../../shared/platform/tenant-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { isolationFixtures } from './fixtures/index.ts';

/**
 * A tenant can leave with its data (issue 18, item 9). Every module is filled through the API (the
 * isolation suite's fixtures make a resource for every route that addresses one), then:
 * - the tenant registry reaches every item under the tenant's keys, through queries only, apart
 *   from the declared families that no pattern lists and that expire by themselves;
 * - an export holds every record once, and no secret;
 * - the removal leaves nothing of the tenant in the table (but expiring items), in S3 or in the
 *   scheduler, and nothing of the other tenant is touched.
 * The Scans are the test's; the app never scans.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let other: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  [tenant, other] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  for (const fixture of Object.values(isolationFixtures)) await fixture.create(tenant.api);
  // The other tenant has a few records of its own, so that "untouched" means something.
  await isolationFixtures['/v1/contacts/{id}']!.create(other.api);
  await isolationFixtures['/v1/deals/{id}']!.create(other.api);
  await runtime.settle();
}, 1_200_000);

afterAll(async () => {
  await runtime?.stop();
});

type Stored = Record<string, unknown>;

async function scanTenant(tenantId: string): Promise<Stored[]> {
  const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
  const items: Stored[] = [];
  for await (const page of paginateScan({ client }, { TableName: process.env.TABLE_NAME! }))
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      if (String(item.PK).startsWith(`T#${tenantId}#`)) items.push(item);
    }
  client.destroy();
  return items;
}

const keyOf = (item: Stored) => `${item.PK} | ${item.SK}`;
const familyOf = (item: Stored) => String(item.PK).split('#')[2]!;
const expiring = () => new Set(expiringTenantData().map((f) => f.partition));
const lasting = (items: Stored[]) => items.filter((item) => !expiring().has(familyOf(item)));

describe('the tenant registry', () => {
  it('has uniquely named sources', () => {
    const names = tenantDataSources().map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("reaches every item under the tenant's keys, through queries only", async () => {
    // The scan first: the API-call meter keeps adding batches as the tenant's calls are logged,
    // and a batch written after the scan is reached by the walk without being expected.
    const stored = await scanTenant(tenant.tenantId);
    const reached = new Set<string>();
    for await (const item of everyTenantItem({ db, tenant: asTenantId(tenant.tenantId) })) {
      expect(String(item.PK).startsWith(`T#${tenant.tenantId}#`)).toBe(true);
      reached.add(keyOf(item));
    }
    expect(stored.length).toBeGreaterThan(300);
    const unreached = lasting(stored).filter((item) => !reached.has(keyOf(item)));
    expect(unreached.map((item) => `${keyOf(item)} (${item.entity})`)).toEqual([]);
  });

  it('declares expiring families only for items that do expire, within the declared days', async () => {
    const days = new Map(expiringTenantData().map((f) => [f.partition, f.days]));
    const now = Date.now() / 1000;
    for (const item of await scanTenant(tenant.tenantId)) {
      const declared = days.get(familyOf(item));
      if (declared === undefined) continue;
      expect(typeof item.expiresAt, keyOf(item)).toBe('number');
      expect(Number(item.expiresAt), keyOf(item)).toBeLessThanOrEqual(now + declared * 86_400 + 3600);
    }
  });
});

describe('the tenant export', () => {
  let exported: Map<string, Stored[]>;
  let manifest: { schemaVersion: number; files: Array<{ kind: string; records: number; sha256: string }> };

  it('runs off the request path and gives presigned downloads of NDJSON files and a manifest', async () => {
    const started = await tenant.api.post('/v1/tenant/exports');
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    expect(location).toBe(`/v1/tenant/exports/${started.body.id}`);
    await runtime.settle();
    const done = await tenant.api.get(location);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(new Date(done.body.downloadExpiresAt).getTime()).toBeGreaterThan(Date.now());
    manifest = await (await fetch(done.body.downloadUrl)).json();
    expect(manifest.schemaVersion).toBe(1);
    exported = new Map();
    for (const file of manifest.files) {
      const body = await (await fetch(done.body.fileUrls[file.kind])).text();
      expect(createHash('sha256').update(body).digest('hex')).toBe(file.sha256);
      const records = body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Stored);
      expect(records.length).toBe(file.records);
      exported.set(file.kind, records);
    }
    // The address is signed: altered, it is refused.
    const tampered = new URL(done.body.downloadUrl);
    tampered.pathname = tampered.pathname.replace(tenant.tenantId, other.tenantId);
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('holds each record of every module once', async () => {
    for (const kind of [
      'Contact',
      'Company',
      'Deal',
      'Invoice',
      'Task',
      'Campaign',
      'Survey',
      'WebhookEndpoint',
      'Member',
    ])
      expect(exported.get(kind)?.length, kind).toBeGreaterThan(0);
    const stored = lasting(await scanTenant(tenant.tenantId)).filter(
      (item) => !['TenantExport', 'CalendarFeed', 'SurveyCode'].includes(String(item.entity)),
    );
    // API-call batches go on arriving after the export (its own request and the status reads are
    // metered once their access-log lines are read): the export holds those that existed then.
    const metered = (item: Stored) => item.entity === 'ApiCalls';
    const storedApiCalls = new Set(stored.filter(metered).map((item) => `${item.date} ${item.batchId}`));
    for (const batch of exported.get('ApiCalls') ?? [])
      expect(storedApiCalls).toContain(`${batch.date} ${batch.batchId}`);
    const count = [...exported.entries()]
      .filter(([kind]) => kind !== 'ApiCalls')
      .reduce((sum, [, records]) => sum + records.length, 0);
    expect(count).toBe(stored.filter((item) => !metered(item)).length);
    expect(exported.has('Unknown')).toBe(false);
    for (const [kind, records] of exported) {
      const withId = records.filter((r) => typeof r.id === 'string').map((r) => r.id);
      if (withId.length === records.length) expect(new Set(withId).size, kind).toBe(withId.length);
    }
  });

  it('holds no secret and no key of storage', () => {
    const text = JSON.stringify([...exported.values()]);
    expect(text).not.toContain(tenant.adminKey.slice(-24));
    for (const name of ['secretHash', '"secrets"', 'feedId', '"PK"', '"GSI1PK"'])
      expect(text, name).not.toContain(name);
    expect(exported.has('CalendarFeed')).toBe(false);
    expect(exported.has('SurveyCode')).toBe(false);
    expect(exported.get('ApiKey')!.length).toBeGreaterThan(0);
  });
});

describe('the tenant removal', () => {
  it("removes every item, file and schedule of the tenant, and nothing of another's", async () => {
    const otherBefore = (await scanTenant(other.tenantId)).map(keyOf).sort();
    const tenantSchedules = () =>
      runtime.scheduler
        .list()
        .filter((s) => s.name.endsWith(tenant.tenantId) || s.name.endsWith(other.tenantId));
    expect(tenantSchedules().some((s) => s.name.endsWith(tenant.tenantId))).toBe(true);
    const exportsBefore = await runtime.s3.store.list('tenant-exports', {
      prefix: `tenant=${tenant.tenantId}/`,
      maxKeys: 1000,
    });
    expect(exportsBefore.objects.length).toBeGreaterThan(0);

    runtime.queues.send('tenant-purge', [
      { body: JSON.stringify({ tenantId: tenant.tenantId, cleanupsDone: false }) },
    ]);
    await runtime.settle();

    expect(lasting(await scanTenant(tenant.tenantId)).map(keyOf)).toEqual([]);
    expect((await scanTenant(other.tenantId)).map(keyOf).sort()).toEqual(otherBefore);
    expect(tenantSchedules().filter((s) => s.name.endsWith(tenant.tenantId))).toEqual([]);
    expect(tenantSchedules().some((s) => s.name.endsWith(other.tenantId))).toBe(true);
    const exportsAfter = await runtime.s3.store.list('tenant-exports', {
      prefix: `tenant=${tenant.tenantId}/`,
      maxKeys: 1000,
    });
    expect(exportsAfter.objects).toEqual([]);
    // Its key no longer opens anything.
    expect((await tenant.api.get('/v1/contacts')).status).toBe(401);
    expect((await other.api.get('/v1/contacts')).status).toBe(200);
    // The removal walks every registered source, a queued page at a time: alone a few seconds,
    // beside another test file on two cores past the suite's default ceiling.
  }, 180_000);
});
