import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Usage beyond seats (issue 20, "Usage metering, cheaply"): contacts and stored bytes measured by
 * the daily meter, emails counted from SES's Send events once per message, all of it in the day's
 * usage, in `GET /v1/subscription` and in the month's statement.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let busy: SignedUpTenant;
/** Uses up a small plan, then is moved to a larger one. */
let upgraded: SignedUpTenant;
/** Confirms its deletion in the last test. */
let leaving: SignedUpTenant;
let operator: Api;

beforeAll(async () => {
  // No cached verdicts: a quota reached shows in the next call's verdict.
  runtime = await startTestRuntime({ seedOperator: true, authorizerCacheTtlSeconds: 0 });
  operator = new Api(runtime.urls.api).as(runtime.operator!.key);
  [tenant, busy, leaving, upgraded] = await Promise.all([
    signUpOverHttp(runtime),
    signUpOverHttp(runtime),
    signUpOverHttp(runtime),
    signUpOverHttp(runtime),
  ]);
  await runtime.settle();
  // Put on its plan on 10 November (Paris), after signing up in real time (links expire).
  await setClock('2026-11-10T09:00:00.000Z');
});

afterAll(async () => {
  await runtime?.stop();
});

async function setClock(now: string) {
  const response = await fetch(`${runtime.urls.api}/_local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ now }),
  });
  expect(response.status).toBe(200);
}

async function runMeter(asOf: string) {
  const response = await fetch(`${runtime.urls.api}/_local/schedules/meter-usage/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ asOf }),
  });
  expect(response.status).toBe(200);
  const { runs } = (await response.json()) as { runs: Array<{ name: string; result: Record<string, any> }> };
  return runs.find((r) => r.name === `meter-usage-${tenant.tenantId}`)!.result;
}

/** What SES publishes when it accepts a message (the local SES front sends the same shape). */
function sesSent(messageId: string, timestamp: string, tenantId: string) {
  return {
    EventBusName: 'default',
    Source: 'aws.ses',
    DetailType: 'Email Sent',
    Detail: JSON.stringify({
      eventType: 'Send',
      mail: { messageId, timestamp, tags: { tenantId: [tenantId], category: ['marketing'] } },
      send: {},
    }),
  };
}

async function uploadDocument(bytes: Buffer, contactId: string) {
  const created = await tenant.api.post('/v1/documents', {
    name: 'contract.pdf',
    contentType: 'application/pdf',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('base64'),
    attachTo: [{ kind: 'contact', id: contactId }],
  });
  expect(created.status, created.text).toBe(201);
  const upload = created.body.upload as { url: string; headers: Record<string, string> };
  const put = await fetch(upload.url, {
    method: 'PUT',
    headers: upload.headers,
    body: new Uint8Array(bytes),
  });
  expect(put.status).toBe(200);
  const completed = await tenant.api.post(`/v1/documents/${created.body.id}/complete`, {});
  expect(completed.status, completed.text).toBe(200);
}

describe("a tenant's usage beyond seats", () => {
  const file = Buffer.alloc(12_345, 7);

  it('counts contacts, stored bytes, API calls and emails into the day, each email once however often SES redelivers it', async () => {
    expect(
      (
        await operator.put('/v1/operator/plans/metered', {
          name: 'Metered',
          currency: 'EUR',
          seatPrice: 3000,
          billingPeriod: 'month',
          quotas: { contacts: 1000, emailsPerMonth: 5000, storageMb: 500 },
        })
      ).status,
    ).toBe(200);
    const assigned = await operator.put(`/v1/operator/tenants/${tenant.tenantId}/subscription`, {
      planId: 'metered',
    });
    expect(assigned.status, assigned.text).toBe(200);

    const contacts = await Promise.all(
      ['Ada', 'Grace', 'Edsger'].map((firstName) =>
        tenant.api.post('/v1/contacts', { firstName, lastName: 'Metered' }),
      ),
    );
    for (const contact of contacts) expect(contact.status, contact.text).toBe(201);
    await uploadDocument(file, contacts[0]!.body.id);

    // 12 November in Paris: five calls from the tenant's key (its earlier calls fell on the 10th).
    await setClock('2026-11-12T10:00:00.000Z');
    await runtime.settle();
    for (let i = 0; i < 5; i++) expect((await tenant.api.get('/v1/contacts?limit=1')).status).toBe(200);

    // And two messages, the first delivered three times; another tenant's one.
    const [first, second] = [randomUUID(), randomUUID()];
    const at = '2026-11-12T10:00:00.000Z';
    runtime.bus.putEvents([
      sesSent(first, at, tenant.tenantId),
      sesSent(first, at, tenant.tenantId),
      sesSent(second, at, tenant.tenantId),
    ]);
    runtime.bus.putEvents([
      sesSent(first, at, tenant.tenantId),
      sesSent(randomUUID(), at, '01ARZ3NDEKTSV4RRFFQ69G5FAV'),
    ]);
    await runtime.settle();

    // 00:30 in Paris on the 13th: the meter records the 12th.
    const day = await runMeter('2026-11-12T23:30:00.000Z');
    expect(day).toMatchObject({
      date: '2026-11-12',
      contacts: 3,
      storageBytes: file.length,
      emailsSent: 2,
      apiCalls: 5,
    });

    const subscription = await tenant.api.get('/v1/subscription');
    expect(subscription.body.usage).toMatchObject({
      asOf: '2026-11-12',
      contacts: 3,
      storageBytes: file.length,
      emailsThisMonth: 2,
      apiCalls: 5,
    });
  });

  it('closes the month with its emails summed and its highest contacts and storage in the statement', async () => {
    runtime.bus.putEvents([sesSent(randomUUID(), '2026-11-20T10:00:00.000Z', tenant.tenantId)]);
    await runtime.settle();
    await runMeter('2026-11-20T23:30:00.000Z');

    const close = await runMeter('2026-11-30T23:30:00.000Z');
    expect(close.statement).toMatchObject({
      month: '2026-11',
      emailsSent: 3,
      apiCalls: 5,
      peakContacts: 3,
      peakStorageBytes: file.length,
    });
    const overview = await operator.get(`/v1/operator/tenants/${tenant.tenantId}`);
    expect(overview.body.statements[0]).toMatchObject({ month: '2026-11', emailsSent: 3 });
  });
});

describe('API calls from the access log', () => {
  it('counts a batch once however often it is delivered', async () => {
    // Imported once the runtime has set the services' configuration (they read it on import).
    const { gzipSync } = await import('node:zlib');
    const { handler } = await import('../../functions/events/meter-api-calls.ts');
    const at = Date.parse('2026-12-02T10:00:00.000Z');
    const logEvents = [0, 1, 2].map((i) => ({
      id: `${at}-${randomUUID()}`,
      timestamp: at + i,
      message: JSON.stringify({ requestId: randomUUID(), status: 200, tenantId: tenant.tenantId }),
    }));
    logEvents.push({
      id: `${at}-${randomUUID()}`,
      timestamp: at,
      message: JSON.stringify({ tenantId: '-' }),
    });
    const batch = {
      awslogs: {
        data: gzipSync(
          JSON.stringify({
            messageType: 'DATA_MESSAGE',
            owner: '000000000000',
            logGroup: 'access',
            logStream: 'stream',
            subscriptionFilters: ['meter-api-calls'],
            logEvents,
          }),
        ).toString('base64'),
      },
    };
    const context = { functionName: 'meter-api-calls', awsRequestId: randomUUID() } as never;
    await handler(batch, context);
    await handler(batch, context);
    const day = await runMeter('2026-12-02T23:30:00.000Z');
    expect(day).toMatchObject({ date: '2026-12-02', apiCalls: 3 });
  });
});

interface Mail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string };
}

async function mailsTo(address: string): Promise<Mail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: Mail[] };
  return store.emails.filter((m) => m.destination.to.includes(address));
}

describe('a tenant past its quotas', () => {
  it('is warned at 80 % of its API calls, answered 429 naming the quota at 100 % (its subscription still answers), and another tenant is not', async () => {
    await setClock('2026-11-16T09:00:00.000Z');
    const put = await operator.put('/v1/operator/plans/small', {
      name: 'Small',
      currency: 'EUR',
      seatPrice: 1000,
      billingPeriod: 'month',
      quotas: { apiCallsPerDay: 10, emailsPerMonth: 5 },
    });
    expect(put.status).toBe(200);
    expect(
      (await operator.put(`/v1/operator/tenants/${busy.tenantId}/subscription`, { planId: 'small' })).status,
    ).toBe(200);
    const admin = (await busy.api.get('/v1/me')).body.email as string;

    await setClock('2026-11-17T09:00:00.000Z');
    for (let i = 0; i < 8; i++) expect((await busy.api.get('/v1/contacts?limit=1')).status).toBe(200);
    await runtime.settle();
    expect((await mailsTo(admin)).map((m) => m.subject)).toContain(
      '80 % of your plan’s limit is used: API calls today',
    );

    for (let i = 0; i < 2; i++) expect((await busy.api.get('/v1/contacts?limit=1')).status).toBe(200);
    await runtime.settle();
    const refused = await busy.api.get('/v1/contacts?limit=1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ reason: 'quota_exceeded', quota: 'apiCallsPerDay' });
    // Until the tenant's midnight (Paris): 2026-11-17T23:00Z.
    expect(refused.body.until).toBe('2026-11-17T23:00:00.000Z');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await busy.api.get('/v1/subscription')).status).toBe(200);
    expect((await tenant.api.get('/v1/contacts?limit=1')).status).toBe(200);
    expect((await mailsTo(admin)).map((m) => m.subject)).toContain(
      'Your plan’s limit is reached: API calls today',
    );

    // The next day in Paris, the calls are allowed again.
    await setClock('2026-11-17T23:30:00.000Z');
    expect((await busy.api.get('/v1/contacts?limit=1')).status).toBe(200);
  });

  it("stops marketing mail, not transactional mail, once the month's emails are used up", async () => {
    await setClock('2026-11-18T09:00:00.000Z');
    // Imported once the runtime has set the services' configuration (they read it on import).
    const { sendingRefusal } = await import('../../shared/mail/gate.ts');
    const { tenantContext } = await import('../../shared/platform/context.ts');
    const { asTenantId } = await import('../../shared/platform/db/keys.ts');
    const ctx = tenantContext({
      tenantId: asTenantId(busy.tenantId),
      actor: { type: 'system', process: 'test' },
    });
    const from = (await busy.api.get('/v1/tenant')).body.sender.email as string;
    expect(await sendingRefusal(ctx, from, 'marketing')).toBeUndefined();

    runtime.bus.putEvents(
      Array.from({ length: 5 }, () => sesSent(randomUUID(), '2026-11-18T09:00:00.000Z', busy.tenantId)),
    );
    await runtime.settle();
    expect(await sendingRefusal(ctx, from, 'marketing')).toBe('quota_exceeded');
    expect(await sendingRefusal(ctx, from, 'transactional')).toBeUndefined();
    const admin = (await busy.api.get('/v1/me')).body.email as string;
    const subjects = (await mailsTo(admin)).map((m) => m.subject);
    expect(subjects.filter((s) => s === 'Your plan’s limit is reached: emails this month')).toHaveLength(1);
  });

  it('gets its API calls and marketing mail back as soon as it is moved to a larger plan', async () => {
    await setClock('2026-11-19T09:00:00.000Z');
    const { sendingRefusal } = await import('../../shared/mail/gate.ts');
    const { tenantContext } = await import('../../shared/platform/context.ts');
    const { asTenantId } = await import('../../shared/platform/db/keys.ts');
    const ctx = tenantContext({
      tenantId: asTenantId(upgraded.tenantId),
      actor: { type: 'system', process: 'test' },
    });
    const from = (await upgraded.api.get('/v1/tenant')).body.sender.email as string;
    const plan = (planId: string, quotas: Record<string, number>) =>
      operator.put(`/v1/operator/plans/${planId}`, {
        name: planId,
        currency: 'EUR',
        seatPrice: 1000,
        billingPeriod: 'month',
        quotas,
      });
    expect((await plan('tiny', { apiCallsPerDay: 3, emailsPerMonth: 2 })).status).toBe(200);
    // Larger for API calls, and no emails quota at all.
    expect((await plan('roomy', { apiCallsPerDay: 1000 })).status).toBe(200);
    const moveTo = async (planId: string) => {
      const moved = await operator.put(`/v1/operator/tenants/${upgraded.tenantId}/subscription`, { planId });
      expect(moved.status, moved.text).toBe(200);
    };
    await moveTo('tiny');

    for (let i = 0; i < 3; i++) await upgraded.api.get('/v1/contacts?limit=1');
    runtime.bus.putEvents(
      Array.from({ length: 2 }, () => sesSent(randomUUID(), '2026-11-19T09:00:00.000Z', upgraded.tenantId)),
    );
    await runtime.settle();
    expect((await upgraded.api.get('/v1/contacts?limit=1')).body).toMatchObject({ reason: 'quota_exceeded' });
    expect(await sendingRefusal(ctx, from, 'marketing')).toBe('quota_exceeded');

    await moveTo('roomy');
    expect((await upgraded.api.get('/v1/contacts?limit=1')).status).toBe(200);
    expect(await sendingRefusal(ctx, from, 'marketing')).toBeUndefined();
    // And the counts that follow, under the larger plan, do not block it again.
    runtime.bus.putEvents([sesSent(randomUUID(), '2026-11-19T09:05:00.000Z', upgraded.tenantId)]);
    await runtime.settle();
    expect((await upgraded.api.get('/v1/contacts?limit=1')).status).toBe(200);
    expect(await sendingRefusal(ctx, from, 'marketing')).toBeUndefined();
  });

  it('counts no email of a tenant whose deletion is confirmed: nothing is written behind its removal', async () => {
    const requested = await leaving.api.post('/v1/tenant/deletion', {});
    expect(requested.status, requested.text).toBe(201);
    const confirmed = await leaving.api.post('/v1/tenant/deletion/confirm', {
      token: requested.body.confirmationToken,
    });
    expect(confirmed.status, confirmed.text).toBe(200);

    runtime.bus.putEvents([sesSent(randomUUID(), '2026-11-18T10:00:00.000Z', leaving.tenantId)]);
    await runtime.settle();
    const { emailsSentOn } = await import('../../shared/subscriptions/usage.ts');
    const { tenantContext } = await import('../../shared/platform/context.ts');
    const { asTenantId } = await import('../../shared/platform/db/keys.ts');
    const ctx = tenantContext({
      tenantId: asTenantId(leaving.tenantId),
      actor: { type: 'system', process: 'test' },
    });
    expect(await emailsSentOn(ctx, '2026-11-18')).toBe(0);
  });
});
