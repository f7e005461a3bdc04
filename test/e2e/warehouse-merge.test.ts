import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { writeFactRows } from '../support/analytics-data.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * A duplicate merged into another contact: the warehouse's facts of the duplicate become the kept
 * contact's (rewritten on the merge, resolved at ingest for late ones), so RFM scores the contact
 * that exists; and erasing the kept contact leaves neither id in the facts.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime, {}, { verify: false });
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
});

async function body(response: Promise<{ status: number; body: any; text: string }>, status: number) {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

/** The facts naming these contacts, by event type and contact. */
async function factsOf(...contactIds: string[]) {
  const query = runtime.athena.startQueryExecution({
    QueryString: `SELECT event_type, contact_id FROM "funnel"."facts" WHERE tenant = '${tenant.tenantId}' AND contact_id IN (${contactIds.map((id) => `'${id}'`).join(', ')}) ORDER BY 1, 2`,
    WorkGroup: 'funnel-local',
  });
  await runtime.athena.idle();
  const [, ...rows] = runtime.athena.getQueryResults({ QueryExecutionId: query.QueryExecutionId }).ResultSet
    .Rows;
  return rows.map((r) => `${r.Data[0]!.VarCharValue} ${r.Data[1]!.VarCharValue}`);
}

describe('a merged contact in the warehouse', () => {
  it('is counted as the contact it became, and goes with it when that one is erased', async () => {
    const api = tenant.api;
    const duplicate = await body(api.post('/v1/contacts', { firstName: 'Dup', lastName: 'Licate' }), 201);
    const kept = await body(api.post('/v1/contacts', { firstName: 'Kept', lastName: 'Contact' }), 201);
    const desk = await body(
      api.post('/v1/products', {
        sku: 'DESK-MG',
        name: 'Desk',
        prices: [{ currency: 'EUR', unitAmount: 5000 }],
      }),
      201,
    );
    await body(api.post(`/v1/products/${desk.id}/stock-adjustments`, { quantity: 5, reason: 'count' }), 200);
    await body(
      api.post('/v1/orders', { contactId: duplicate.id, lines: [{ productId: desk.id, quantity: 1 }] }),
      201,
    );
    await runtime.settle();
    expect(await factsOf(duplicate.id)).toContain(`OrderPlaced ${duplicate.id}`);

    const merge = await api.post(`/v1/contacts/${kept.id}/merge`, { duplicateId: duplicate.id });
    expect(merge.status, merge.text).toBeLessThan(300);
    await runtime.settle();
    expect(await factsOf(duplicate.id)).toEqual([]);
    expect(await factsOf(kept.id)).toContain(`OrderPlaced ${kept.id}`);

    // An event about the duplicate delivered after the merge lands on the kept contact.
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
              contactId: duplicate.id,
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
    expect(await factsOf(duplicate.id)).toEqual([]);
    expect(await factsOf(kept.id)).toContain(`ContactChurnRiskRaised ${kept.id}`);

    // RFM scores the kept contact, the one with the order now.
    await body(api.post('/v1/analytics/runs', { analyses: ['rfm'] }), 202);
    await runtime.settle();
    const customers = await body(
      api.post('/v1/segments', {
        name: 'Customers',
        conditions: [{ type: 'field', field: 'rfm.orders', op: 'gte', value: 1 }],
      }),
      201,
    );
    const preview = await body(api.get(`/v1/segments/${customers.id}/preview`), 200);
    expect(preview.sample.map((c: { id?: string; contactId?: string }) => c.id ?? c.contactId)).toEqual([
      kept.id,
    ]);

    // A fact of the duplicate's that no rewrite reached (written before merges were followed).
    await writeFactRows(runtime.urls.s3, tenant.tenantId, [
      {
        event_type: 'EmailOpened',
        module: 'mail',
        occurred_at: Date.now() - 86_400_000,
        contact_id: duplicate.id,
      },
    ]);
    expect(await factsOf(duplicate.id)).toEqual([`EmailOpened ${duplicate.id}`]);
    await body(api.delete(`/v1/contacts/${kept.id}`), 204);
    await runtime.settle();
    expect(await factsOf(duplicate.id, kept.id)).toEqual([]);
  });
});
