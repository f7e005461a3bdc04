import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../functions/app/tenant-data.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { expiringTenantData } from '../../shared/platform/tenant-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * A tenant's own deletion (issue 18, item 9): an admin asks, confirms with the token, the tenant
 * is frozen (writes 409, reads still work), an admin can cancel; once confirmed again and the
 * grace period over, the schedule removes the tenant through the removal engine, and the other
 * tenant is untouched.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let other: SignedUpTenant;
let offsetMs = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({
    authorizerCacheTtlSeconds: 0,
    clock: { now: () => new Date(Date.now() + offsetMs) },
  });
  [tenant, other] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  await other.api.post('/v1/contacts', { firstName: 'Other', lastName: 'Tenant' });
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

/** The tenant's items that do not expire by themselves (the test's Scan; the app never scans). */
async function lastingItems(tenantId: string): Promise<string[]> {
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
  return keys;
}

const newContact = () => tenant.api.post('/v1/contacts', { firstName: 'Ada', lastName: 'Lovelace' });

async function requestAndConfirm() {
  const requested = await tenant.api.post('/v1/tenant/deletion');
  expect(requested.status).toBe(201);
  expect(requested.body.status).toBe('requested');
  const confirmed = await tenant.api.post('/v1/tenant/deletion/confirm', {
    token: requested.body.confirmationToken,
  });
  expect(confirmed.status).toBe(200);
  return { token: requested.body.confirmationToken as string, confirmed: confirmed.body };
}

describe("a tenant's deletion", () => {
  it('changes nothing until confirmed, and refuses a token that is not its own', async () => {
    expect((await tenant.api.get('/v1/tenant/deletion')).body).toEqual({ status: 'none' });
    const requested = await tenant.api.post('/v1/tenant/deletion');
    expect(requested.status).toBe(201);
    expect((await newContact()).status).toBe(201);
    const forged = await tenant.api.post('/v1/tenant/deletion/confirm', { token: 'not-a-token' });
    expect(forged.status).toBe(422);
    const othersToken = (await other.api.post('/v1/tenant/deletion')).body.confirmationToken;
    const crossed = await tenant.api.post('/v1/tenant/deletion/confirm', { token: othersToken });
    expect(crossed.status).toBe(422);
    expect((await other.api.delete('/v1/tenant/deletion')).status).toBe(200);
    expect((await tenant.api.delete('/v1/tenant/deletion')).status).toBe(200);
  });

  it('freezes on confirmation: writes answer 409 tenant_frozen, reads work, a second confirm changes nothing', async () => {
    const { token, confirmed } = await requestAndConfirm();
    expect(confirmed.status).toBe('frozen');
    const graceDays = (Date.parse(confirmed.deleteAfter) - Date.parse(confirmed.confirmedAt)) / 86_400_000;
    expect(graceDays).toBe(14);

    const write = await newContact();
    expect(write.status).toBe(409);
    expect(write.body.reason).toBe('tenant_frozen');
    expect((await tenant.api.get('/v1/contacts')).status).toBe(200);
    expect((await tenant.api.post('/v1/tenant/exports')).status).toBe(202);
    expect((await other.api.post('/v1/contacts', { firstName: 'Still', lastName: 'Free' })).status).toBe(201);

    const again = await tenant.api.post('/v1/tenant/deletion/confirm', { token });
    expect(again.status).toBe(200);
    expect(again.body.deleteAfter).toBe(confirmed.deleteAfter);
    const schedules = runtime.scheduler.list().filter((s) => s.name === `tenant-deletion-${tenant.tenantId}`);
    expect(schedules).toHaveLength(1);
  });

  it('is cancelled by an admin: the tenant writes again and its schedule is gone', async () => {
    const cancelled = await tenant.api.delete('/v1/tenant/deletion');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ status: 'none' });
    expect((await newContact()).status).toBe(201);
    expect(runtime.scheduler.list().filter((s) => s.name === `tenant-deletion-${tenant.tenantId}`)).toEqual(
      [],
    );
    expect((await tenant.api.delete('/v1/tenant/deletion')).status).toBe(409);
  });

  it('removes the tenant once the grace period is over, and nothing of the other tenant', async () => {
    // What erasures and merges leave behind (their tombstones) goes too.
    const [erased, kept, merged] = await Promise.all([newContact(), newContact(), newContact()]);
    expect((await tenant.api.delete(`/v1/contacts/${erased.body.id}`)).status).toBe(204);
    const merge = await tenant.api.post(`/v1/contacts/${kept.body.id}/merge`, {
      duplicateId: merged.body.id,
    });
    expect(merge.status).toBe(202);
    await runtime.settle();
    const { confirmed } = await requestAndConfirm();
    await runtime.settle();
    expect((await lastingItems(tenant.tenantId)).length).toBeGreaterThan(0);
    const otherBefore = (await lastingItems(other.tenantId)).sort();
    offsetMs = Date.parse(confirmed.deleteAfter) - Date.now() + 60_000;
    await runtime.scheduler.runNow(`tenant-deletion-${tenant.tenantId}`);
    await runtime.settle();

    expect((await tenant.api.get('/v1/contacts')).status).toBe(401);
    expect(await lastingItems(tenant.tenantId)).toEqual([]);
    // Over the 14 days the other tenant's daily jobs ran: its usage records and its analyses
    // (RFM, forecast, pipeline, bought-together rules) are its own new items.
    const daily = /#USAGE \| DAY#|#ANALYTICS \| |#BOUGHT-TOGETHER \| /;
    const unmetered = (keys: string[]) => keys.filter((key) => !daily.test(key));
    expect(unmetered((await lastingItems(other.tenantId)).sort())).toEqual(unmetered(otherBefore));
    const others = await other.api.get('/v1/contacts');
    expect(others.status).toBe(200);
    expect(others.body.items.map((c: { firstName: string }) => c.firstName).sort()).toEqual([
      'Other',
      'Still',
    ]);
  }, 300_000);
});
