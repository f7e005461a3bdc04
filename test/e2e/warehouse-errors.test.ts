import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { readFacts } from '../../shared/warehouse/parquet.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Firehose's error output (`errors/`) keeps the raw events of what failed, and events carry
 * personal data (a new contact's email). One bad event must not send its whole batch there, and
 * what does land there must not outlive its lifecycle: 7 days, on AWS and here.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let offsetMs = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({ clock: { now: () => new Date(Date.now() + offsetMs) } });
  tenant = await signUpOverHttp(runtime, {}, { verify: false });
  await runtime.settle();
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

/** The raw events kept under `errors/`, decoded. */
async function errorOutput(): Promise<string[]> {
  const store = runtime.s3.store;
  const listed = await store.list('warehouse', { prefix: 'errors/', maxKeys: 1000 });
  const raw: string[] = [];
  for (const object of listed.objects) {
    const { body } = await store.readAll('warehouse', object.key);
    for (const line of body.toString('utf8').trim().split('\n'))
      raw.push(Buffer.from(JSON.parse(line).rawData, 'base64').toString('utf8'));
  }
  return raw;
}

async function rejections(): Promise<string[]> {
  const store = runtime.s3.store;
  const listed = await store.list('warehouse', {
    prefix: `rejected/tenant=${tenant.tenantId}/`,
    maxKeys: 1000,
  });
  const reasons: string[] = [];
  for (const object of listed.objects)
    for (const row of await readFacts((await store.readAll('warehouse', object.key)).body))
      reasons.push(String(row.rejection));
  return reasons;
}

describe("the warehouse's error output", () => {
  it('gets no batch because of one event whose id cannot be a key: that event is rejected alone', async () => {
    const email = `pii-${newId().toLowerCase()}@customer.example`;
    const contact = await tenant.api.post('/v1/contacts', { firstName: 'Pia', lastName: 'Person', email });
    expect(contact.status, contact.text).toBe(201);
    const events = new EventBridgeClient({
      endpoint: runtime.urls.aws,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'funnel-local',
            Source: 'funnel.contacts',
            DetailType: 'ContactChurnRiskRaised',
            Detail: JSON.stringify({
              eventId: newId(),
              tenantId: tenant.tenantId,
              occurredAt: new Date().toISOString(),
              contactId: 'x'.repeat(3000),
              model: 'churn_90',
              score: 0.8,
              threshold: 0.7,
            }),
          },
        ],
      }),
    );
    events.destroy();
    await runtime.settle();
    expect((await errorOutput()).filter((raw) => raw.includes(email))).toEqual([]);
    expect(await rejections()).toContain('ContactChurnRiskRaised.contactId: not an id');
  });

  it('keeps raw events of a failed transformation 7 days, then they are gone', async () => {
    const email = `pii-${newId().toLowerCase()}@customer.example`;
    runtime.faults.inject({
      service: 'lambda',
      operation: 'warehouse-transform',
      error: 'CrashAfterCommit',
      times: 3,
    });
    const contact = await tenant.api.post('/v1/contacts', { firstName: 'Pia', lastName: 'Person', email });
    expect(contact.status, contact.text).toBe(201);
    await runtime.settle();
    expect((await errorOutput()).some((raw) => raw.includes(email))).toBe(true);

    offsetMs = 6 * 86_400_000;
    await runtime.settle();
    expect((await errorOutput()).some((raw) => raw.includes(email))).toBe(true);
    offsetMs = 7 * 86_400_000 + 60_000;
    await runtime.settle();
    expect(await errorOutput()).toEqual([]);
  });
});
