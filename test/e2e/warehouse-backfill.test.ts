import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { db, tableName } from '../../shared/platform/db/client.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { addDays, localDate } from '../../shared/platform/time.ts';
import { localDateTime } from '../../shared/tasks/recurrence.ts';
import { warehouseKeys } from '../../shared/warehouse/state.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * A tenant whose history predates the warehouse: its records are made through the API, then its
 * facts are removed from the local S3, as if the warehouse had not existed when they happened. The
 * backfill rebuilds them from the records (through their indexes), and running it twice counts
 * nothing twice.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
const period = `from=${day(-40)}&to=${day(1)}&grain=year`;

async function created(response: Promise<{ status: number; body: any; text: string }>, status = 201) {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

async function factsOfTenant() {
  const query = runtime.athena.startQueryExecution({
    QueryString: `SELECT count(*) AS rows, count(DISTINCT event_id) AS events, count(*) FILTER (WHERE event_id LIKE 'bf-%') AS backfilled FROM "funnel"."facts" WHERE tenant = '${tenant.tenantId}'`,
    WorkGroup: 'funnel-local',
  });
  await runtime.athena.idle();
  const [, values] = runtime.athena.getQueryResults({ QueryExecutionId: query.QueryExecutionId }).ResultSet
    .Rows;
  const [rows, events, backfilled] = values!.Data.map((d) => Number(d.VarCharValue));
  return { rows, events, backfilled };
}

/**
 * Distinct facts of the tenant per event type; the outcomes of transactional mail (a quote, a
 * dunning notice) apart, since no record keeps them.
 */
async function factsByType(): Promise<Record<string, number>> {
  const query = runtime.athena.startQueryExecution({
    QueryString: `SELECT CASE WHEN module = 'mail' AND mailing_id IS NULL THEN event_type || ' (transactional)' ELSE event_type END, count(DISTINCT event_id) AS n FROM "funnel"."facts" WHERE tenant = '${tenant.tenantId}' GROUP BY 1`,
    WorkGroup: 'funnel-local',
  });
  await runtime.athena.idle();
  const [, ...rows] = runtime.athena.getQueryResults({ QueryExecutionId: query.QueryExecutionId }).ResultSet
    .Rows;
  return Object.fromEntries(rows.map((r) => [r.Data[0]!.VarCharValue!, Number(r.Data[1]!.VarCharValue)]));
}

/**
 * The facts the backfill rebuilds one for one from the records: the live history made below has
 * exactly one way to reach each of them. (docs/analytics.md lists what it cannot rebuild.)
 */
const REBUILT = [
  'ContactCreated',
  'ContactUpdated',
  'ActivityLogged',
  'TaskCreated',
  'TaskStatusChanged',
  'LeadReceived',
  'LeadAssigned',
  'LeadConverted',
  'QuoteSent',
  'QuoteAccepted',
  'DealCreated',
  'DealWon',
  'OrderPlaced',
  'InvoiceIssued',
  'PaymentRecorded',
  'DunningNoticeSent',
  'SurveyResponded',
  'EmailSent',
  'EmailDelivered',
];

async function totals() {
  const fresh = { headers: { 'cache-control': 'no-cache' } };
  const closed = await tenant.api.get(`/v1/reports/sales-closed?${period}`, fresh);
  const regions = await tenant.api.get(`/v1/reports/sales-by-region?${period}`, fresh);
  expect(closed.status, closed.text).toBe(200);
  expect(regions.status, regions.text).toBe(200);
  const sum = (rows: Array<Record<string, number>>, name: string) =>
    rows.reduce((total, r) => total + (r[name] ?? 0), 0);
  const owed = await tenant.api.get(`/v1/reports/receivables?${period}`, fresh);
  expect(owed.status, owed.text).toBe(200);
  const surveys = await tenant.api.get(`/v1/reports/surveys?${period}`, fresh);
  expect(surveys.status, surveys.text).toBe(200);
  return {
    receivable: owed.body.rows.at(-1).receivable,
    promoters: sum(surveys.body.rows, 'promoters'),
    won: sum(closed.body.rows, 'won'),
    revenueWon: sum(closed.body.rows, 'revenueWon'),
    bookedInBretagne: sum(
      regions.body.rows.filter((r: { region: string }) => r.region === 'Bretagne'),
      'booked',
    ),
  };
}

async function backfill(before?: string, of: SignedUpTenant = tenant) {
  const started = await created(of.api.post('/v1/warehouse/backfills', before ? { before } : {}), 202);
  expect(started.status).toBe('running');
  await runtime.settle();
  const done = await of.api.get(`/v1/warehouse/backfills/${started.id}`);
  expect(done.body.status, done.text).toBe('completed');
  return done.body;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  // Another tenant's facts stay in the warehouse throughout, as they would.
  [tenant] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  const api = tenant.api;
  const contact = await created(
    api.post('/v1/contacts', {
      firstName: 'Test',
      lastName: 'Rennes',
      email: 'rennes@customer.example',
      addresses: [{ country: 'FR', region: 'Bretagne' }],
    }),
  );
  const product = await created(
    api.post('/v1/products', {
      sku: 'DESK-BF',
      name: 'Desk',
      prices: [{ currency: 'EUR', unitAmount: 5000 }],
    }),
  );
  await created(
    api.post(`/v1/products/${product.id}/stock-adjustments`, { quantity: 10, reason: 'count' }),
    200,
  );
  const pipeline = await created(
    api.post('/v1/pipelines', {
      name: 'Main',
      stages: [
        { name: 'New', probability: 10 },
        { name: 'Won', outcome: 'won' },
        { name: 'Lost', outcome: 'lost' },
      ],
    }),
  );
  const deal = await created(
    api.post('/v1/deals', {
      name: 'Desks',
      pipelineId: pipeline.id,
      amount: 5000,
      currency: 'EUR',
      contactIds: [contact.id],
    }),
  );
  const current = await api.get(`/v1/deals/${deal.id}`);
  await created(
    api.patch(
      `/v1/deals/${deal.id}`,
      { stageId: pipeline.stages[1].id },
      { headers: { 'if-match': current.headers.get('etag')! } },
    ),
    200,
  );
  await created(
    api.post('/v1/orders', { contactId: contact.id, lines: [{ productId: product.id, quantity: 2 }] }),
  );
  // An invoice of 8000 issued today, 3000 of it paid: 5000 still owed (and 2000 more below).
  const draft = await created(
    api.post('/v1/invoices', {
      contactId: contact.id,
      lines: [{ description: 'Desks', quantity: 1, unitAmount: 8000, taxRateBps: 0 }],
    }),
  );
  await created(api.post(`/v1/invoices/${draft.id}/issue`), 200);
  await created(api.post(`/v1/invoices/${draft.id}/payments`, { amount: 3000, method: 'bank_transfer' }));
  // A survey answered on paper: NPS 9.
  const survey = await created(
    api.post('/v1/surveys', {
      title: 'How are we doing?',
      questions: [{ id: 'recommend', type: 'nps', text: 'How likely are you to recommend us?' }],
    }),
  );
  await created(
    api.patch(`/v1/surveys/${survey.id}`, { status: 'active' }, { headers: { 'if-match': '*' } }),
    200,
  );
  const wave = await created(api.post(`/v1/surveys/${survey.id}/paper-waves`, { contactIds: [contact.id] }));
  await created(
    api.post('/v1/survey-responses', { code: wave.invitations[0].code, answers: { recommend: 9 } }),
  );
  // What sales staff did: a call, a task done, a changed contact, a lead converted, a quote accepted.
  await created(
    api.post('/v1/activities', {
      type: 'call',
      contactIds: [contact.id],
      call: { direction: 'outbound', at: new Date().toISOString(), outcome: 'connected' },
    }),
  );
  const task = await created(api.post('/v1/tasks', { title: 'Send the brochure' }));
  await created(api.patch(`/v1/tasks/${task.id}`, { status: 'done' }, { headers: { 'if-match': '*' } }), 200);
  await created(
    api.patch(`/v1/contacts/${contact.id}`, { lifecycleStage: 'customer' }, { headers: { 'if-match': '*' } }),
    200,
  );
  const lead = await created(
    api.post('/v1/leads', {
      source: 'web',
      ownerId: tenant.adminId,
      person: { firstName: 'Lea', lastName: 'Lead', email: 'lea@prospect.example' },
    }),
  );
  await created(api.post(`/v1/leads/${lead.id}/convert`, { pipelineId: pipeline.id }));
  const quote = await created(
    api.post('/v1/quotes', { contactId: contact.id, lines: [{ productId: product.id, quantity: 1 }] }),
  );
  await created(api.post(`/v1/quotes/${quote.id}/send`), 200);
  await created(api.post(`/v1/quotes/${quote.id}/accept`), 200);
  // An invoice a month old, due yesterday: the dunning sweep sends its first notice.
  const today = localDate(new Date(), 'Europe/Paris');
  const late = await created(
    api.post('/v1/invoices', {
      contactId: contact.id,
      lines: [{ description: 'Chairs', quantity: 1, unitAmount: 2000, taxRateBps: 0 }],
      issueDate: addDays(today, -31),
      dueDate: addDays(today, -1),
    }),
  );
  await created(api.post(`/v1/invoices/${late.id}/issue`), 200);
  const sweep = await fetch(`${runtime.urls.api}/_local/schedules/dunning-sweep/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ asOf: new Date().toISOString() }),
  });
  expect(sweep.status).toBe(200);
  // A campaign to the one customer who agreed to hear from us.
  const reader = await created(
    api.post('/v1/contacts', {
      firstName: 'Rita',
      lastName: 'Reader',
      email: 'rita@customer.example',
      marketingConsent: { status: 'granted', source: 'checkout form' },
    }),
  );
  await created(
    api.post('/v1/orders', { contactId: reader.id, lines: [{ productId: product.id, quantity: 1 }] }),
  );
  // What a contact bought reaches the segment's index from the stream (docs/data-model.md,
  // eventually consistent reads): without waiting, the audience may hold only the first buyer,
  // who never consented, and scheduling is refused.
  await runtime.settle();
  await created(api.post('/v1/topics', { id: 'news', name: 'News' }));
  const template = await created(
    api.post('/v1/templates', { name: 'News', subject: 'News', html: '<p>News</p>', text: 'News' }),
  );
  const segment = await created(
    api.post('/v1/segments', {
      name: 'Desk buyers who read',
      conditions: [{ type: 'bought', productId: product.id }],
    }),
  );
  const campaign = await created(
    api.post('/v1/campaigns', {
      name: 'News',
      audience: { segments: [segment.id] },
      topicId: 'news',
      templateId: template.id,
    }),
  );
  const sendAt = localDateTime(new Date(Date.now() + 3_600_000), 'Europe/Paris');
  await created(api.post(`/v1/campaigns/${campaign.id}/schedule`, { sendAt }), 200);
  await runtime.settle();
  await runtime.scheduler.runNow(`campaign-send-${campaign.id}`);
  await runtime.settle();
  // The backfill rebuilds EmailDelivered from the send record's delivered milestone, dated as SES
  // dated the Delivery: the local SES front dates it a moment after the send. History is complete
  // once that milestone is recorded and its moment has passed (the backfill stops at now).
  for (let attempt = 1; ; attempt++) {
    const recipient = await api.get(`/v1/campaigns/${campaign.id}/recipients/${reader.id}`);
    const deliveredAt = Date.parse(recipient.body.deliveredAt ?? '');
    if (deliveredAt < Date.now()) break;
    if (attempt >= 60) throw new Error(`The campaign's delivery was never recorded: ${recipient.text}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await runtime.settle();
  }
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('the backfill', () => {
  it('rebuilds a history the warehouse never received, and adds nothing when run again', async () => {
    expect(await totals()).toEqual({
      receivable: 7000,
      promoters: 1,
      won: 1,
      revenueWon: 5000,
      bookedInBretagne: 10_000,
    });
    const lived = await factsByType();
    expect(Object.keys(lived)).toEqual(expect.arrayContaining(REBUILT));
    // The warehouse forgets the tenant: its facts are gone, as if it had not existed.
    const store = runtime.s3.store;
    const listed = await store.list('warehouse', {
      prefix: `facts/tenant=${tenant.tenantId}/`,
      maxKeys: 1000,
    });
    expect(listed.objects.length).toBeGreaterThan(0);
    for (const object of listed.objects) await store.delete('warehouse', object.key);
    await db.send(
      new DeleteCommand({ TableName: tableName, Key: warehouseKeys.state(asTenantId(tenant.tenantId)) }),
    );
    expect(await totals()).toEqual({
      receivable: 0,
      promoters: 0,
      won: 0,
      revenueWon: 0,
      bookedInBretagne: 0,
    });

    const first = await backfill();
    const before = first.before;
    for (const source of [
      'contacts',
      'deals',
      'orders',
      'invoices',
      'survey-responses',
      'leads',
      'activities',
      'tasks',
      'quotes',
      'email-outcomes',
    ])
      expect(first.progress[source], source).toMatchObject({ done: true });
    expect(await totals()).toEqual({
      receivable: 7000,
      promoters: 1,
      won: 1,
      revenueWon: 5000,
      bookedInBretagne: 10_000,
    });
    const facts = await factsOfTenant();
    expect(facts.backfilled).toBeGreaterThan(0);
    const rebuilt = await factsByType();
    expect(Object.fromEntries(REBUILT.map((type) => [type, rebuilt[type]]))).toEqual(
      Object.fromEntries(REBUILT.map((type) => [type, lived[type]])),
    );

    await backfill(before);
    expect(await factsOfTenant()).toEqual(facts);
    expect(await totals()).toEqual({
      receivable: 7000,
      promoters: 1,
      won: 1,
      revenueWon: 5000,
      bookedInBretagne: 10_000,
    });
  });
});

describe('the backfill of a tenant the warehouse already receives', () => {
  it('leaves out what live facts describe, so an order placed before it is booked once', async () => {
    const live = await signUpOverHttp(runtime, {}, { verify: false });
    const contact = await created(
      live.api.post('/v1/contacts', {
        firstName: 'Live',
        lastName: 'Buyer',
        addresses: [{ country: 'FR', region: 'Bretagne' }],
      }),
    );
    const product = await created(
      live.api.post('/v1/products', {
        sku: 'DESK-LIVE',
        name: 'Desk',
        prices: [{ currency: 'EUR', unitAmount: 5000 }],
      }),
    );
    await created(
      live.api.post(`/v1/products/${product.id}/stock-adjustments`, { quantity: 5, reason: 'count' }),
      200,
    );
    await created(
      live.api.post('/v1/orders', { contactId: contact.id, lines: [{ productId: product.id, quantity: 1 }] }),
    );
    await runtime.settle();
    const booked = async () => {
      const r = await live.api.get(`/v1/reports/sales-by-region?${period}`, {
        headers: { 'cache-control': 'no-cache' },
      });
      expect(r.status, r.text).toBe(200);
      return r.body.rows.reduce((total: number, row: { booked?: number }) => total + (row.booked ?? 0), 0);
    };
    expect(await booked()).toBe(5000);

    await backfill(undefined, live);
    expect(await booked()).toBe(5000);

    const future = await live.api.post('/v1/warehouse/backfills', { before: '9999-12-31T00:00:00.000Z' });
    expect(future.status, future.text).toBe(400);
    expect(future.text).toContain('body.before');
  });
});
