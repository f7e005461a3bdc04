import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { DATASETS } from '../../shared/reports/datasets.ts';
import { STANDARD_REPORTS } from '../../shared/reports/standard.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The reports on a small fixed history whose numbers are worked out by hand below. The history
 * goes the way every event does: domain events put on the local bus (dated in 2025, which the API
 * cannot do), through the warehouse rule, the local Firehose and its transformation (which reads
 * the contacts, members and pipeline made through the API), into Parquet, queried through the local
 * Athena. Tenant B has nothing: every report and custom report it runs comes back empty of A.
 */
let runtime: LocalRuntime;
let a: SignedUpTenant;
let b: SignedUpTenant;
let events: EventBridgeClient;
const ids = {} as Record<'m1' | 'm2' | 'c1' | 'c2' | 'c3' | 'pipeline' | 'i1' | 'i2' | 'i3', string>;

const Q = (quarter: number) => `2025-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`;

async function publish(
  entries: Array<{ module: string; type: string; at: string; payload: Record<string, unknown> }>,
) {
  for (let i = 0; i < entries.length; i += 10) {
    const result = await events.send(
      new PutEventsCommand({
        Entries: entries.slice(i, i + 10).map((e) => ({
          EventBusName: 'funnel-local',
          Source: `funnel.${e.module}`,
          DetailType: e.type,
          Detail: JSON.stringify({ ...e.payload, eventId: newId(), tenantId: a.tenantId, occurredAt: e.at }),
        })),
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
  }
}

async function ok(response: Promise<{ status: number; body: any; text: string }>) {
  const r = await response;
  if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
  return r.body;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  [a, b] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  events = new EventBridgeClient({
    endpoint: runtime.urls.aws,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const member = async (name: string, team: string) =>
    (
      await ok(
        a.api.post('/v1/members', { name, email: `${name.toLowerCase()}@a.example`, role: 'sales', team }),
      )
    ).id;
  ids.m1 = await member('Mia', 'North');
  ids.m2 = await member('Noah', 'South');
  const contact = async (last: string, country: string, region: string) =>
    (
      await ok(
        a.api.post('/v1/contacts', {
          firstName: 'Test',
          lastName: last,
          email: `${last.toLowerCase()}@customer.example`,
          addresses: [{ country, region }],
        }),
      )
    ).id;
  ids.c1 = await contact('Paris', 'FR', 'Île-de-France');
  ids.c2 = await contact('Rennes', 'FR', 'Bretagne');
  ids.c3 = await contact('Munich', 'DE', 'Bayern');
  const pipeline = await ok(
    a.api.post('/v1/pipelines', {
      name: 'Main',
      stages: [
        { name: 'New', probability: 10 },
        { name: 'Qualified', probability: 30 },
        { name: 'Proposal', probability: 60 },
        { name: 'Won', outcome: 'won' },
        { name: 'Lost', outcome: 'lost' },
      ],
    }),
  );
  ids.pipeline = pipeline.id;
  const [s1, s2, s3, won, lost] = pipeline.stages.map((s: { id: string }) => s.id);
  const deal = (owner: string, amount: number) => ({
    dealId: newId(),
    pipelineId: ids.pipeline,
    amount,
    currency: 'EUR',
    ownerId: owner,
  });
  const closed = (type: 'DealWon' | 'DealLost', at: string, owner: string, amount: number) => ({
    module: 'sales',
    type,
    at,
    payload: { ...deal(owner, amount), ...(type === 'DealWon' ? { contactIds: [ids.c1] } : {}) },
  });
  // Sales closed, by quarter (Europe/Paris): Q1 won 2 (3000), lost 1; Q2 won 2 (800), lost 2;
  // Q3 nothing; Q4 won 1 (4000). d8 closes at 00:30 on 1 April in Paris: Q2, not Q1.
  await publish([
    closed('DealWon', '2025-01-15T10:00:00Z', ids.m1, 1000),
    closed('DealWon', '2025-02-15T10:00:00Z', ids.m2, 2000),
    closed('DealLost', '2025-03-15T10:00:00Z', ids.m1, 9999),
    closed('DealWon', '2025-05-15T10:00:00Z', ids.m1, 500),
    closed('DealWon', '2025-03-31T22:30:00Z', ids.m2, 300),
    closed('DealLost', '2025-06-15T10:00:00Z', ids.m2, 100),
    closed('DealLost', '2025-06-20T10:00:00Z', ids.m2, 100),
    closed('DealWon', '2025-12-31T22:30:00Z', ids.m2, 4000),
  ]);
  // Funnel: A New→Qualified→Proposal→Won, 10 days in each; B New→(5 d)→Qualified→(10 d)→Lost;
  // C New→(20 d)→Qualified; D New only. Reached: New 4, Qualified 3, Proposal 1, Won 1.
  const created = (id: string, at: string) => ({
    module: 'sales',
    type: 'DealCreated',
    at,
    payload: {
      dealId: id,
      pipelineId: ids.pipeline,
      amount: 100,
      currency: 'EUR',
      ownerId: ids.m1,
      stageId: s1,
    },
  });
  const moved = (id: string, at: string, from: string, to: string, days: number, status = 'open') => ({
    module: 'sales',
    type: 'DealStageChanged',
    at,
    payload: {
      dealId: id,
      pipelineId: ids.pipeline,
      amount: 100,
      currency: 'EUR',
      ownerId: ids.m1,
      fromStageId: from,
      toStageId: to,
      status,
      secondsInPreviousStage: days * 86_400,
    },
  });
  const [dA, dB, dC, dD] = [newId(), newId(), newId(), newId()];
  await publish([
    created(dA, '2025-02-01T10:00:00Z'),
    moved(dA, '2025-02-11T10:00:00Z', s1, s2, 10),
    moved(dA, '2025-02-21T10:00:00Z', s2, s3, 10),
    moved(dA, '2025-03-03T10:00:00Z', s3, won, 10, 'won'),
    created(dB, '2025-02-01T10:00:00Z'),
    moved(dB, '2025-02-06T10:00:00Z', s1, s2, 5),
    moved(dB, '2025-02-16T10:00:00Z', s2, lost, 10, 'lost'),
    created(dC, '2025-05-01T10:00:00Z'),
    moved(dC, '2025-05-21T10:00:00Z', s1, s2, 20),
    created(dD, '2025-06-01T10:00:00Z'),
  ]);
  // Sales by region: booked Île-de-France 12000 (o3 at 00:30 on 1 January in Paris), Bayern 5000;
  // invoiced Île-de-France 10000, Bayern 5000; paid Île-de-France 10000.
  const order = (contactId: string, total: number, at: string) => ({
    module: 'sales',
    type: 'OrderPlaced',
    at,
    payload: { orderId: newId(), contactId, productIds: [], total, currency: 'EUR', backordered: false },
  });
  ids.i1 = newId();
  ids.i2 = newId();
  ids.i3 = newId();
  const issued = (invoiceId: string, contactId: string, total: number, at: string, dueDate: string) => ({
    module: 'invoicing',
    type: 'InvoiceIssued',
    at,
    payload: {
      invoiceId,
      number: `2025-${invoiceId.slice(-4)}`,
      contactId,
      currency: 'EUR',
      total,
      issueDate: at.slice(0, 10),
      dueDate,
    },
  });
  const payment = (invoiceId: string, contactId: string, amount: number, at: string, amountDue: number) => ({
    module: 'invoicing',
    type: 'PaymentRecorded',
    at,
    payload: {
      invoiceId,
      paymentId: newId(),
      contactId,
      amount,
      currency: 'EUR',
      paidAt: at,
      method: 'transfer',
      amountDue,
      status: amountDue ? 'partially_paid' : 'paid',
    },
  });
  const paid = (invoiceId: string, contactId: string, total: number, at: string) => ({
    module: 'invoicing',
    type: 'InvoicePaid',
    at,
    payload: {
      invoiceId,
      number: `2025-${invoiceId.slice(-4)}`,
      contactId,
      currency: 'EUR',
      total,
      paidAt: at,
    },
  });
  const notice = (invoiceId: string, levelId: string, days: number, at: string) => ({
    module: 'invoicing',
    type: 'DunningNoticeSent',
    at,
    payload: {
      invoiceId,
      number: `2025-${invoiceId.slice(-4)}`,
      contactId: ids.c1,
      levelId,
      offsetDays: days,
      recipient: 'customer',
      to: 'paris@customer.example',
      messageId: newId(),
      daysOverdue: days,
    },
  });
  await publish([
    order(ids.c1, 10000, '2025-03-10T10:00:00Z'),
    order(ids.c3, 5000, '2025-03-11T10:00:00Z'),
    order(ids.c1, 2000, '2024-12-31T23:30:00Z'),
    // Receivables: end of April 15000 owed, all of it invoiced in April (DSO 30); end of May
    // 10000 and 3000 in 1–30 days; end of June 3000 in 31–60 days.
    issued(ids.i1, ids.c1, 10000, '2025-04-01T08:00:00Z', '2025-05-01'),
    issued(ids.i2, ids.c3, 5000, '2025-04-10T08:00:00Z', '2025-05-10'),
    payment(ids.i2, ids.c3, 2000, '2025-05-20T08:00:00Z', 3000),
    payment(ids.i1, ids.c1, 10000, '2025-06-15T08:00:00Z', 0),
    paid(ids.i1, ids.c1, 10000, '2025-06-15T08:00:00Z'),
    // Dunning: i1 paid after the second level (45 days late), i3 paid before its due date.
    notice(ids.i1, 'reminder', 4, '2025-05-05T08:00:00Z'),
    notice(ids.i1, 'second', 19, '2025-05-20T08:00:00Z'),
    issued(ids.i3, ids.c3, 700, '2025-07-01T08:00:00Z', '2025-07-31'),
    payment(ids.i3, ids.c3, 700, '2025-07-20T08:00:00Z', 0),
    paid(ids.i3, ids.c3, 700, '2025-07-20T08:00:00Z'),
  ]);
  await runtime.settle();
}, 300_000);

afterAll(async () => {
  events?.destroy();
  await runtime?.stop();
});

const rowsOf = async (path: string) => {
  const response = await a.api.get(path);
  expect(response.status, response.text).toBe(200);
  return response.body.rows as Array<Record<string, unknown>>;
};

describe('standard reports on a history worked out by hand', () => {
  it('sales closed: won, lost, the close rate and revenue per quarter, in the tenant time zone', async () => {
    const rows = await rowsOf('/v1/reports/sales-closed?from=2025-01-01&to=2025-12-31&grain=quarter');
    expect(rows.map((r) => [r.period, r.won, r.lost, r.closeRate, r.revenueWon])).toEqual([
      [Q(1), 2, 1, 0.6667, 3000],
      [Q(2), 2, 2, 0.5, 800],
      [Q(3), 0, 0, null, 0],
      [Q(4), 1, 0, 1, 4000],
    ]);
    const byOwner = await rowsOf(
      '/v1/reports/sales-closed?from=2025-01-01&to=2025-03-31&grain=quarter&by=owner',
    );
    expect(byOwner.map((r) => [r.ownerId, r.won, r.lost]).sort()).toEqual([
      [ids.m1, 1, 1],
      [ids.m2, 1, 0],
    ]);
  });

  it('sales by region: booked, invoiced and paid by the customer’s region at the time', async () => {
    const rows = await rowsOf('/v1/reports/sales-by-region?from=2025-01-01&to=2025-12-31&grain=year');
    expect(
      rows
        .filter((r) => r.booked || r.invoiced || r.paid)
        .map((r) => [r.region, r.booked, r.invoiced, r.paid])
        .sort(),
    ).toEqual([
      ['Bayern', 5000, 5700, 700],
      ['Île-de-France', 12000, 10000, 10000],
    ]);
    const byCountry = await rowsOf(
      '/v1/reports/sales-by-region?from=2025-01-01&to=2025-12-31&grain=year&by=country',
    );
    expect(byCountry.find((r) => r.country === 'DE')?.booked).toBe(5000);
  });

  it('funnel: deals reaching each stage, conversion from the one before, median days in each', async () => {
    const rows = await rowsOf(
      `/v1/reports/funnel?from=2025-01-01&to=2025-12-31&grain=year&pipeline=${ids.pipeline}`,
    );
    expect(rows.map((r) => [r.position, r.reached, r.conversion, r.medianDaysInStage])).toEqual([
      [1, 4, null, 10],
      [2, 3, 0.75, 10],
      [3, 1, 0.3333, 10],
      [4, 1, 1, null],
    ]);
  });

  it('receivables: aging at the end of each month and days sales outstanding', async () => {
    const rows = await rowsOf('/v1/reports/receivables?from=2025-04-01&to=2025-06-30&grain=month');
    expect(
      rows.map((r) => [r.period, r.current, r.days1To30, r.days31To60, r.receivable, r.invoiced, r.dso]),
    ).toEqual([
      ['2025-04-01', 15000, 0, 0, 15000, 15000, 30],
      ['2025-05-01', 0, 13000, 0, 13000, 0, null],
      ['2025-06-01', 0, 0, 3000, 3000, 0, null],
    ]);
  });

  it('dunning outcomes: invoices paid after each level, and how late', async () => {
    const rows = await rowsOf('/v1/reports/dunning-outcomes?from=2025-01-01&to=2025-12-31');
    expect(rows).toEqual([
      { level: 'none', invoices: 1, amount: 700, medianDaysLate: -11 },
      { level: 'second', invoices: 1, amount: 10000, medianDaysLate: 45 },
    ]);
  });

  it('compares with the previous period, bucket by bucket', async () => {
    const response = await a.api.get(
      '/v1/reports/sales-closed?from=2025-04-01&to=2025-06-30&grain=quarter&compare=previous',
    );
    expect(response.body.previous.period).toMatchObject({ from: '2025-01-01', to: '2025-03-31' });
    expect(response.body.previous.rows.map((r: any) => r.won)).toEqual([2]);
    expect(response.body.rows.map((r: any) => r.won)).toEqual([2]);
  });

  it('answers CSV and an SVG chart for the same report', async () => {
    const csv = await a.api.get('/v1/reports/sales-closed?from=2025-01-01&to=2025-12-31&grain=quarter', {
      headers: { accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\n')[0]).toBe('period,won,lost,closed,closeRate,revenueWon');
    expect(csv.text).toContain(`${Q(1)},2,1,3,0.6667,3000`);
    const svg = await a.api.get('/v1/reports/sales-closed?from=2025-01-01&to=2025-12-31&grain=quarter', {
      headers: { accept: 'image/svg+xml' },
    });
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.text).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.text).toContain('Sales closed');
  });
});

describe('activity and survey reports on a history worked out by hand', () => {
  it('activity: calls by outcome, meetings, notes, tasks done, and open and overdue tasks at each week’s end', async () => {
    const activity = (at: string, activityType: string, outcome?: string) => ({
      module: 'contacts',
      type: 'ActivityLogged',
      at,
      payload: {
        activityId: newId(),
        activityType,
        contactIds: [ids.c3],
        ownerId: ids.m1,
        at,
        ...(outcome ? { outcome } : {}),
      },
    });
    const task = (taskId: string, at: string, dueAt: string) => ({
      module: 'tasks',
      type: 'TaskCreated',
      at,
      payload: { taskId, assigneeId: ids.m1, sourceType: 'member', dueAt, links: [] },
    });
    const [t1, t2, t3] = [newId(), newId(), newId()];
    // Week of Monday 6 October 2025 (Paris): 3 calls (2 connected, 1 unanswered), a meeting, a
    // note; t1 done on Thursday; at Sunday's end t2 (due the 20th) and t3 (due the 10th, overdue)
    // are open. The week after: one call to a voicemail, the same two tasks open, t3 overdue.
    await publish([
      activity('2025-10-06T09:00:00Z', 'call', 'connected'),
      activity('2025-10-07T09:00:00Z', 'call', 'connected'),
      activity('2025-10-08T09:00:00Z', 'call', 'no_answer'),
      activity('2025-10-09T09:00:00Z', 'meeting'),
      activity('2025-10-10T09:00:00Z', 'note'),
      activity('2025-10-14T09:00:00Z', 'call', 'voicemail'),
      task(t1, '2025-10-06T08:00:00Z', '2025-10-08T10:00:00Z'),
      task(t2, '2025-10-07T08:00:00Z', '2025-10-20T10:00:00Z'),
      task(t3, '2025-10-07T08:00:00Z', '2025-10-10T10:00:00Z'),
      {
        module: 'tasks',
        type: 'TaskStatusChanged',
        at: '2025-10-09T12:00:00Z',
        payload: { taskId: t1, from: 'open', to: 'done', assigneeId: ids.m1 },
      },
    ]);
    await runtime.settle();
    const rows = await rowsOf(
      `/v1/reports/activity?from=2025-10-06&to=2025-10-19&grain=week&owner=${ids.m1}`,
    );
    expect(
      rows.map((r) => [
        r.period,
        r.ownerId,
        r.calls,
        r.callsConnected,
        r.callsNoAnswer,
        r.callsVoicemail,
        r.meetings,
        r.notes,
        r.tasksDone,
        r.openTasks,
        r.overdueTasks,
      ]),
    ).toEqual([
      ['2025-10-06', ids.m1, 3, 2, 1, 0, 1, 1, 1, 2, 1],
      ['2025-10-13', ids.m1, 1, 0, 0, 1, 0, 0, 0, 2, 1],
    ]);
  });

  it('surveys: NPS and average CSAT per month and per wave', async () => {
    const surveyId = newId();
    const responded = (at: string, waveId: string, nps: number, csat?: number) => ({
      module: 'surveys',
      type: 'SurveyResponded',
      at,
      payload: {
        surveyId,
        responseId: newId(),
        contactId: ids.c3,
        waveId,
        nps,
        ...(csat ? { csat } : {}),
        comment: 'Free text the warehouse never keeps.',
      },
    });
    // October (wave w1): NPS 10, 9, 7, 3 → 2 promoters, 1 passive, 1 detractor: (2 − 1) ÷ 4 = 25;
    // CSAT 5 and 4 → 4.5. November (wave w2): NPS 6 and 0 → −100; CSAT 1.
    await publish([
      responded('2025-10-02T10:00:00Z', 'w1', 10, 5),
      responded('2025-10-03T10:00:00Z', 'w1', 9, 4),
      responded('2025-10-04T10:00:00Z', 'w1', 7),
      responded('2025-10-05T10:00:00Z', 'w1', 3),
      responded('2025-11-02T10:00:00Z', 'w2', 6, 1),
      responded('2025-11-03T10:00:00Z', 'w2', 0),
    ]);
    await runtime.settle();
    const monthly = await rowsOf(
      `/v1/reports/surveys?from=2025-10-01&to=2025-11-30&grain=month&survey=${surveyId}`,
    );
    expect(monthly.map((r) => [r.period, r.responses, r.nps, r.csatResponses, r.csat])).toEqual([
      ['2025-10-01', 4, 25, 2, 4.5],
      ['2025-11-01', 2, -100, 1, 1],
    ]);
    const waves = await rowsOf(
      `/v1/reports/surveys?from=2025-10-01&to=2025-11-30&by=wave&survey=${surveyId}`,
    );
    expect(waves.map((r) => [r.waveId, r.promoters, r.passives, r.detractors, r.nps])).toEqual([
      ['w1', 2, 1, 1, 25],
      ['w2', 0, 0, 2, -100],
    ]);
  });
});

describe('answers within limits', () => {
  it('answers 202 with a place to poll when asked to respond asynchronously, then the result', async () => {
    const started = await a.api.get('/v1/reports/surveys?from=2025-01-01&to=2025-12-31', {
      headers: { prefer: 'respond-async', 'cache-control': 'no-cache' },
    });
    expect(started.status, started.text).toBe(202);
    const location = started.headers.get('location')!;
    expect(location).toMatch(/^\/v1\/reports\/runs\/\w{26}$/);
    let result = await a.api.get(location);
    for (let i = 0; i < 50 && result.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await a.api.get(location);
    }
    expect(result.status).toBe(200);
    expect(result.body.report).toBe('surveys');
    expect((await b.api.get(location)).status).toBe(404);
  });

  it('serves a cached result until new facts of the tenant land', async () => {
    const path = '/v1/reports/sales-closed?from=2025-01-01&to=2025-12-31&grain=year';
    const first = await a.api.get(path);
    const second = await a.api.get(path);
    expect(second.body.computedAt).toBe(first.body.computedAt);
    await publish([
      {
        module: 'sales',
        type: 'DealLost',
        at: '2025-08-01T10:00:00Z',
        payload: { dealId: newId(), pipelineId: ids.pipeline, amount: 1, currency: 'EUR' },
      },
    ]);
    await runtime.settle();
    const third = await a.api.get(path);
    expect(third.body.factsVersion).toBeGreaterThan(first.body.factsVersion);
    expect(third.body.rows[0].lost).toBe(first.body.rows[0].lost + 1);
  });
});

describe('bad input', () => {
  it('names an unknown filter, and a period with too many buckets', async () => {
    const unknown = await a.api.get('/v1/reports/sales-closed?colour=blue');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.errors)).toContain('colour');
    const wrongFilter = await a.api.get('/v1/reports/activity?pipeline=01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(wrongFilter.status).toBe(400);
    expect(JSON.stringify(wrongFilter.body.errors)).toContain('pipeline');
    const tooMany = await a.api.get('/v1/reports/sales-closed?from=2020-01-01&to=2025-12-31&grain=day');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([{ path: 'query.grain', message: expect.stringContaining('366') }]);
  });

  it('answers a report with no data with empty buckets, not an error', async () => {
    const rows = await rowsOf('/v1/reports/sales-closed?from=2030-01-01&to=2030-03-31&grain=month');
    expect(rows.map((r) => [r.won, r.lost, r.closeRate])).toEqual([
      [0, 0, null],
      [0, 0, null],
      [0, 0, null],
    ]);
  });

  it('keeps malformed and unknown events aside under rejected/ with the reason', async () => {
    await publish([
      {
        module: 'sales',
        type: 'OrderPlaced',
        at: '2025-09-01T10:00:00Z',
        payload: { orderId: newId(), total: 'a lot' },
      },
      {
        module: 'sales',
        type: 'SomethingNobodyDeclared',
        at: '2025-09-01T10:00:00Z',
        payload: { secret: 'x' },
      },
    ]);
    await runtime.settle();
    const store = runtime.s3.store;
    const listed = await store.list('warehouse', { prefix: `rejected/tenant=${a.tenantId}/`, maxKeys: 100 });
    expect(listed.objects.length).toBeGreaterThan(0);
    const query = runtime.athena.startQueryExecution({
      QueryString: `SELECT rejection FROM read_parquet('${store.root}/warehouse/rejected/tenant=${a.tenantId}/*/*.parquet') ORDER BY rejection`,
      WorkGroup: 'funnel-local',
    });
    await runtime.athena.idle();
    const reasons = runtime.athena
      .getQueryResults({ QueryExecutionId: query.QueryExecutionId })
      .ResultSet.Rows.slice(1)
      .map((r) => r.Data[0]?.VarCharValue);
    expect(reasons).toEqual([
      expect.stringMatching(/^OrderPlaced: .*(contactId|total)/),
      expect.stringContaining('unknown event type SomethingNobodyDeclared'),
    ]);
  });
});

describe('custom reports', () => {
  it('are saved, validated name by name, run with a grain, and shared within the tenant only', async () => {
    const invalid = await a.api.post('/v1/reports/custom', {
      name: 'Broken',
      dataset: 'deals',
      measures: ['won', 'happiness'],
      dimensions: ['owner'],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([
      { path: 'body.measures.1', message: expect.stringContaining('Unknown measure happiness') },
    ]);
    const created = await a.api.post('/v1/reports/custom', {
      name: 'Wins by owner',
      dataset: 'deals',
      measures: ['won', 'revenue_won'],
      dimensions: ['owner'],
      filters: [{ dimension: 'event', values: ['DealWon'] }],
      grain: 'quarter',
      sort: [{ by: 'revenue_won', direction: 'desc' }],
      visibility: 'private',
    });
    expect(created.status, created.text).toBe(201);
    const run = await a.api.get(
      `/v1/reports/custom/${created.body.id}/results?from=2025-01-01&to=2025-03-31`,
    );
    expect(run.status, run.text).toBe(200);
    expect(run.body.rows).toEqual([
      { period: Q(1), ownerId: ids.m2, won: 1, revenue_won: 2000 },
      { period: Q(1), ownerId: ids.m1, won: 1, revenue_won: 1000 },
    ]);
    expect(run.body.labels.ownerId[ids.m1]).toBe('Mia');

    const colleague = await memberWithKey(a.api, 'sales');
    expect((await colleague.api.get(`/v1/reports/custom/${created.body.id}`)).status).toBe(404);
    await a.api.patch(
      `/v1/reports/custom/${created.body.id}`,
      { visibility: 'tenant' },
      { headers: { 'if-match': '*' } },
    );
    expect((await colleague.api.get(`/v1/reports/custom/${created.body.id}`)).status).toBe(200);
    expect((await b.api.get(`/v1/reports/custom/${created.body.id}`)).status).toBe(404);
  });
});

describe('isolation', () => {
  it('shows tenant B nothing of tenant A in any standard report, nor in a custom report of any dataset', async () => {
    const secrets = [a.tenantId, ...Object.values(ids)];
    for (const report of STANDARD_REPORTS) {
      for (const by of report.by ?? [undefined]) {
        const response = await b.api.get(
          `/v1/reports/${report.id}?from=2024-12-01&to=2025-12-31&grain=quarter${by ? `&by=${by}` : ''}`,
        );
        expect(response.status, `${report.id} ${response.text}`).toBe(200);
        for (const secret of secrets) expect(response.text, report.id).not.toContain(secret);
        const measures = response.body.rows.flatMap((r: Record<string, unknown>) =>
          response.body.columns
            .filter((c: { kind: string; unit: string }) => c.kind === 'measure' && c.unit !== 'ratio')
            .map((c: { name: string }) => r[c.name] ?? 0),
        );
        expect(
          measures.every((v: number) => v === 0),
          report.id,
        ).toBe(true);
      }
    }
    for (const dataset of Object.values(DATASETS)) {
      const created = await b.api.post('/v1/reports/custom', {
        name: `All of ${dataset.id}`,
        dataset: dataset.id,
        measures: Object.keys(dataset.measures),
        dimensions: Object.keys(dataset.dimensions).slice(0, 3),
        grain: 'year',
      });
      expect(created.status, created.text).toBe(201);
      const run = await b.api.get(
        `/v1/reports/custom/${created.body.id}/results?from=2024-12-01&to=2025-12-31`,
      );
      expect(run.status, run.text).toBe(200);
      expect(run.body.rows, dataset.id).toEqual([]);
    }
  }, 300_000);
});

describe('privacy', () => {
  it('leaves an erased contact’s id in no report, no export and no fact, late facts included', async () => {
    const erased = ids.c2;
    await publish([
      {
        module: 'sales',
        type: 'OrderPlaced',
        at: '2025-09-10T10:00:00Z',
        payload: {
          orderId: newId(),
          contactId: erased,
          productIds: [],
          total: 700,
          currency: 'EUR',
          backordered: false,
        },
      },
      {
        module: 'surveys',
        type: 'SurveyResponded',
        at: '2025-09-12T10:00:00Z',
        payload: { surveyId: newId(), responseId: newId(), contactId: erased, nps: 3 },
      },
      {
        module: 'contacts',
        type: 'ActivityLogged',
        at: '2025-09-13T10:00:00Z',
        payload: {
          activityId: newId(),
          activityType: 'call',
          contactIds: [erased],
          ownerId: ids.m1,
          at: '2025-09-13T10:00:00Z',
          outcome: 'connected',
        },
      },
    ]);
    await runtime.settle();
    const allFacts = async () => {
      const query = runtime.athena.startQueryExecution({
        QueryString: `SELECT * FROM "funnel"."facts" WHERE tenant = '${a.tenantId}'`,
        WorkGroup: 'funnel-local',
      });
      await runtime.athena.idle();
      return JSON.stringify(
        runtime.athena.getQueryResults({ QueryExecutionId: query.QueryExecutionId }).ResultSet.Rows,
      );
    };
    expect(await allFacts()).toContain(erased);

    expect((await a.api.delete(`/v1/contacts/${erased}`)).status).toBe(204);
    await runtime.settle();
    // A fact Firehose still held, or an event delivered late: anonymized as it lands.
    await publish([
      {
        module: 'sales',
        type: 'OrderPlaced',
        at: '2025-09-20T10:00:00Z',
        payload: {
          orderId: newId(),
          contactId: erased,
          productIds: [],
          total: 300,
          currency: 'EUR',
          backordered: false,
        },
      },
    ]);
    await runtime.settle();

    const facts = await allFacts();
    expect(facts).not.toContain(erased);
    expect(facts).toContain('"VarCharValue":"300"');

    const period = 'from=2025-01-01&to=2025-12-31&grain=quarter';
    for (const report of STANDARD_REPORTS) {
      for (const by of report.by ?? [undefined]) {
        for (const accept of ['application/json', 'text/csv']) {
          const response = await a.api.get(`/v1/reports/${report.id}?${period}${by ? `&by=${by}` : ''}`, {
            headers: { accept, 'cache-control': 'no-cache' },
          });
          expect(response.status, response.text).toBe(200);
          expect(response.text, `${report.id} ${by} ${accept}`).not.toContain(erased);
        }
      }
    }
    for (const dataset of Object.values(DATASETS)) {
      const created = await a.api.post('/v1/reports/custom', {
        name: `Everything in ${dataset.id}`,
        dataset: dataset.id,
        measures: Object.keys(dataset.measures),
        dimensions: Object.keys(dataset.dimensions).slice(-3),
      });
      const run = await a.api.get(
        `/v1/reports/custom/${created.body.id}/results?from=2025-01-01&to=2025-12-31`,
        {
          headers: { accept: 'text/csv' },
        },
      );
      expect(run.status, run.text).toBe(200);
      expect(run.text, dataset.id).not.toContain(erased);
    }
    // What the erased contact did still counts, anonymously: 700 and 300 booked in Q3.
    const q3 = await a.api.get('/v1/reports/sales-by-region?from=2025-07-01&to=2025-09-30&grain=quarter', {
      headers: { 'cache-control': 'no-cache' },
    });
    const booked = q3.body.rows.reduce((sum: number, r: { booked: number }) => sum + r.booked, 0);
    expect(booked).toBe(1000);
  }, 300_000);
});
