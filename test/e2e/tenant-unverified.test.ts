import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { expiringTenantData } from '../../shared/platform/tenant-data.ts';
import '../../functions/app/tenant-data.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * A tenant whose admin never verifies is removed 7 days after sign-up (issue 18, item 2), by the
 * tenant removal: its items, and its schedules. A verified tenant signed up at the same time stays.
 */
let runtime: LocalRuntime;
let unverified: SignedUpTenant;
let verified: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  unverified = await signUpOverHttp(runtime, {}, { verify: false });
  verified = await signUpOverHttp(runtime);
  const contact = await unverified.api.post('/v1/contacts', {
    firstName: 'Never',
    lastName: 'Verified',
    email: 'never.verified@example.com',
  });
  expect(contact.status).toBe(201);
  await runtime.settle();
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

async function keysOf(tenantId: string): Promise<string[]> {
  const expiring = new Set(expiringTenantData().map((f) => f.partition));
  const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
  const keys: string[] = [];
  for await (const page of paginateScan({ client }, { TableName: process.env.TABLE_NAME! }))
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      const pk = String(item.PK);
      if (pk.startsWith(`T#${tenantId}#`) && !expiring.has(pk.split('#')[2]!))
        keys.push(`${pk} | ${item.SK}`);
    }
  client.destroy();
  return keys.sort();
}

const schedulesOf = (tenantId: string) =>
  runtime.scheduler
    .list()
    .map((s) => s.name)
    .filter((name) => name.endsWith(tenantId));

const moveClock = async (at: Date) => {
  const response = await new Api(runtime.urls.api).post('/_local/clock', { now: at.toISOString() });
  expect(response.status).toBeLessThan(300);
};

describe('a tenant never verified', () => {
  it('has a removal scheduled at sign-up, which the verified tenant no longer has', () => {
    expect(schedulesOf(unverified.tenantId)).toEqual([`unverified-removal-${unverified.tenantId}`]);
    expect(schedulesOf(verified.tenantId).filter((name) => name.startsWith('unverified-removal'))).toEqual(
      [],
    );
  });

  it('is removed, schedules included, 7 days after sign-up; the verified one stays', async () => {
    const verifiedBefore = await keysOf(verified.tenantId);
    expect((await keysOf(unverified.tenantId)).length).toBeGreaterThan(3);

    await moveClock(new Date(Date.now() + 6 * 86_400_000));
    await runtime.scheduler.fireDue();
    await runtime.settle();
    expect((await unverified.api.get('/v1/contacts')).status).toBe(200);

    await moveClock(new Date(Date.now() + 7 * 86_400_000 + 3_600_000));
    await runtime.scheduler.fireDue();
    await runtime.settle();

    expect(await keysOf(unverified.tenantId)).toEqual([]);
    expect(schedulesOf(unverified.tenantId)).toEqual([]);
    expect((await unverified.api.get('/v1/contacts')).status).toBe(401);
    // Its daily jobs ran meanwhile and may have added items; none of its items was removed.
    expect(await keysOf(verified.tenantId)).toEqual(expect.arrayContaining(verifiedBefore));
    expect((await verified.api.get('/v1/contacts')).status).toBe(200);
  });
});
