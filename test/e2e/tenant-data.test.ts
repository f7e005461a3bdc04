import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import '../../functions/app/tenant-data.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { db } from '../../shared/platform/db/client.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import {
  everyTenantItem,
  expiringTenantData,
  tenantDataSources,
} from '../../shared/platform/tenant-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { isolationFixtures } from './fixtures/index.ts';

/**
 * The tenant registry is complete: after every module has been filled through the API (the
 * isolation suite's fixtures make a resource for every route that addresses one), the registry's
 * access patterns reach every item under the tenant's keys, apart from the declared families that
 * no pattern lists and that expire by themselves. The Scan is the test's; the app never scans.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let other: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  [tenant, other] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  for (const fixture of Object.values(isolationFixtures)) await fixture.create(tenant.api);
  await runtime.settle();
}, 600_000);

afterAll(async () => {
  await runtime?.stop();
});

async function scanTenant(tenantId: string): Promise<Array<Record<string, unknown>>> {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint') });
  const items: Array<Record<string, unknown>> = [];
  for await (const page of paginateScan({ client }, { TableName: process.env.TABLE_NAME! }))
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      if (String(item.PK).startsWith(`T#${tenantId}#`)) items.push(item);
    }
  client.destroy();
  return items;
}

const keyOf = (item: Record<string, unknown>) => `${item.PK} | ${item.SK}`;
const familyOf = (item: Record<string, unknown>) => String(item.PK).split('#')[2]!;

describe('the tenant registry', () => {
  it('has uniquely named sources', () => {
    const names = tenantDataSources().map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("reaches every item under the tenant's keys, through queries only", async () => {
    const reached = new Set<string>();
    for await (const item of everyTenantItem({ db, tenant: asTenantId(tenant.tenantId) })) {
      expect(String(item.PK).startsWith(`T#${tenant.tenantId}#`)).toBe(true);
      reached.add(keyOf(item));
    }
    const expiring = new Set(expiringTenantData().map((f) => f.partition));
    const stored = await scanTenant(tenant.tenantId);
    expect(stored.length).toBeGreaterThan(300);
    const unreached = stored.filter((item) => !reached.has(keyOf(item)) && !expiring.has(familyOf(item)));
    expect(unreached.map((item) => `${keyOf(item)} (${item.entity})`)).toEqual([]);
  });

  it('declares expiring families only for items that do expire, within the declared days', async () => {
    const days = new Map(expiringTenantData().map((f) => [f.partition, f.days]));
    const now = Date.now() / 1000;
    for (const item of await scanTenant(tenant.tenantId)) {
      const declared = days.get(familyOf(item));
      if (declared === undefined) continue;
      expect(typeof item.expiresAt, keyOf(item)).toBe('number');
      expect(Number(item.expiresAt), keyOf(item)).toBeLessThanOrEqual(now + declared * 86_400 + 60);
    }
  });

  it("reaches nothing of another tenant's", async () => {
    for await (const item of everyTenantItem({ db, tenant: asTenantId(other.tenantId) }))
      expect(String(item.PK).startsWith(`T#${other.tenantId}#`)).toBe(true);
  });
});
