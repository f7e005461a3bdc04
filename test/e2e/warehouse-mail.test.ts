import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * SES events reach the warehouse from the default bus, at least once and for weeks after a send
 * (opens, clicks). A redelivered event counts once, and an event of a tenant that has been removed
 * makes nothing of it again.
 */
let runtime: LocalRuntime;
let events: EventBridgeClient;
let offsetMs = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({
    authorizerCacheTtlSeconds: 0,
    clock: { now: () => new Date(Date.now() + offsetMs) },
  });
  events = new EventBridgeClient({
    endpoint: runtime.urls.aws,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 300_000);

afterAll(async () => {
  events?.destroy();
  await runtime?.stop();
});

/** An SES event of the configuration set, tagged by the sender as campaign mail of the tenant. */
function sesEvent(type: 'Send' | 'Open', tenantId: string, mailingId: string, messageId: string, at: string) {
  return {
    EventBusName: 'default',
    Source: 'aws.ses',
    DetailType: `Email ${type === 'Send' ? 'Sent' : 'Opened'}`,
    Detail: JSON.stringify({
      eventType: type,
      mail: {
        messageId,
        timestamp: at,
        destination: ['someone@example.com'],
        tags: {
          tenantId: [tenantId],
          mailingId: [mailingId],
          kind: ['campaign'],
          contactId: [newId()],
          category: ['marketing'],
        },
      },
      ...(type === 'Send' ? { send: {} } : { open: { timestamp: at } }),
    }),
  };
}

async function mailFacts(tenantId: string, mailingId: string) {
  const query = runtime.athena.startQueryExecution({
    QueryString: `SELECT count(*) AS rows, count(DISTINCT event_id) AS events FROM "funnel"."facts" WHERE tenant = '${tenantId}' AND mailing_id = '${mailingId}'`,
    WorkGroup: 'funnel-local',
  });
  await runtime.athena.idle();
  const [, values] = runtime.athena.getQueryResults({ QueryExecutionId: query.QueryExecutionId }).ResultSet
    .Rows;
  const [rows, distinct] = values!.Data.map((d) => Number(d.VarCharValue));
  return { rows, events: distinct };
}

describe('mail events in the warehouse', () => {
  it('counts an SES event that arrives twice once', async () => {
    const tenant = await signUpOverHttp(runtime, {}, { verify: false });
    const mailingId = newId();
    const send = sesEvent('Send', tenant.tenantId, mailingId, `msg-${newId()}`, new Date().toISOString());
    await events.send(new PutEventsCommand({ Entries: [send] }));
    await events.send(new PutEventsCommand({ Entries: [send] }));
    await runtime.settle();
    expect(await mailFacts(tenant.tenantId, mailingId)).toEqual({ rows: 2, events: 1 });
    const report = await tenant.api.get('/v1/reports/email-marketing?grain=year', {
      headers: { 'cache-control': 'no-cache' },
    });
    expect(report.status, report.text).toBe(200);
    expect(report.body.rows.reduce((n: number, r: { sent?: number }) => n + (r.sent ?? 0), 0)).toBe(1);
  });

  it('makes nothing again of a late SES event for a tenant that has been removed', async () => {
    const tenant = await signUpOverHttp(runtime);
    const mailingId = newId();
    const messageId = `msg-${newId()}`;
    await events.send(
      new PutEventsCommand({
        Entries: [sesEvent('Send', tenant.tenantId, mailingId, messageId, new Date().toISOString())],
      }),
    );
    await runtime.settle();
    const store = runtime.s3.store;
    const facts = async () =>
      (await store.list('warehouse', { prefix: `facts/tenant=${tenant.tenantId}/`, maxKeys: 100 })).objects;
    expect((await facts()).length).toBeGreaterThan(0);

    const requested = await tenant.api.post('/v1/tenant/deletion');
    const confirmed = await tenant.api.post('/v1/tenant/deletion/confirm', {
      token: requested.body.confirmationToken,
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    await runtime.settle();
    offsetMs = Date.parse(confirmed.body.deleteAfter) - Date.now() + 60_000;
    await runtime.scheduler.runNow(`tenant-deletion-${tenant.tenantId}`);
    await runtime.settle();
    expect(await facts()).toEqual([]);

    await events.send(
      new PutEventsCommand({
        Entries: [sesEvent('Open', tenant.tenantId, mailingId, messageId, new Date().toISOString())],
      }),
    );
    await runtime.settle();
    expect(await facts()).toEqual([]);
    // The test's Scan (the application never scans): no item of the tenant came back.
    const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
    const items: string[] = [];
    for await (const page of paginateScan({ client }, { TableName: process.env.TABLE_NAME! }))
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        if (String(item.PK).startsWith(`T#${tenant.tenantId}#WAREHOUSE`)) items.push(`${item.PK} ${item.SK}`);
      }
    client.destroy();
    expect(items).toEqual([]);
  });
});
