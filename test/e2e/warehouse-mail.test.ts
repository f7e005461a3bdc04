import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * SES events reach the warehouse from the default bus, at least once and for weeks after a send
 * (opens, clicks). A redelivered event counts once.
 */
let runtime: LocalRuntime;
let events: EventBridgeClient;
const offsetMs = 0;

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
});
