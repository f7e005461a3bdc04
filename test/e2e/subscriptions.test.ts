import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Plans and seats, the operator API, and a month of seats becoming the operator's invoice that
 * dunning chases: issue 20's first "Done when", through the local runtime.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
/** Changes plan twice in December. */
let changing: SignedUpTenant;
let operator: Api;

// The tenant is put on its plan on 10 November (Paris): its first month has 21 days.
const PLAN_DAY = '2026-11-10T09:00:00.000Z';

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0, seedOperator: true });
  operator = new Api(runtime.urls.api).as(runtime.operator!.key);
  [tenant, changing] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  await runtime.settle();
});

afterAll(async () => {
  await runtime?.stop();
});

interface Mail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

async function mailsTo(address: string): Promise<Mail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: Mail[] };
  return store.emails.filter((m) => m.destination.to.includes(address));
}

async function runSchedule(name: string, asOf: string, tenantId: string) {
  const response = await fetch(`${runtime.urls.api}/_local/schedules/${name}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ asOf }),
  });
  expect(response.status).toBe(200);
  const { runs } = (await response.json()) as { runs: Array<{ name: string; result: Record<string, any> }> };
  return runs.find((r) => r.name === `${name}-${tenantId}`)!.result;
}

let memberCount = 0;
const addMember = () =>
  tenant.api.post('/v1/members', {
    name: `Member ${++memberCount}`,
    email: `member-${memberCount}-${tenant.tenantId.toLowerCase()}@acme.example`,
    role: 'sales',
  });

const plan = (seatLimit: number) => ({
  name: `Team of ${seatLimit}`,
  currency: 'EUR',
  seatPrice: 3000,
  billingPeriod: 'month',
  seatLimit,
  quotas: { contacts: 1000, emailsPerMonth: 5000, apiCallsPerDay: 10000, storageMb: 500 },
});

describe('operator routes', () => {
  it("answer a tenant's key, and no key, with the 404 of a route that does not exist", async () => {
    const unknown = await tenant.api.get('/v1/operator/nothing-here');
    for (const caller of [tenant.api, tenant.api.as(undefined)]) {
      const response = await caller.get('/v1/operator/plans');
      expect(response.status).toBe(404);
      expect(response.body.title).toBe(unknown.body.title);
      expect(response.body.detail).toBe(
        unknown.body.detail.replace('/v1/operator/nothing-here', '/v1/operator/plans'),
      );
      const put = await caller.put(`/v1/operator/tenants/${tenant.tenantId}/subscription`, {
        planId: 'team',
      });
      expect(put.status).toBe(404);
    }
  });

  it("are not in the tenants' API reference", async () => {
    const reference = await tenant.api.get('/v1/openapi.json');
    expect(Object.keys(reference.body.paths).filter((p) => p.startsWith('/v1/operator'))).toEqual([]);
  });

  it('refuse a tenant key passed off as an operator key', async () => {
    const response = await new Api(runtime.urls.api)
      .as(`fcrm_op_${tenant.adminKey.slice(5, 74)}`)
      .get('/v1/operator/plans');
    expect(response.status).toBe(404);
  });
});

describe("the operator's own tenant", () => {
  it('cannot be deleted nor put on a plan, by the operator or by its own admin: 409 saying why, and it goes on working', async () => {
    const own = runtime.operator!.tenantId;
    expect((await operator.put('/v1/operator/plans/solo', plan(1))).status).toBe(200);
    const refusals = [
      await operator.post(`/v1/operator/tenants/${own}/deletion`, {}),
      await operator.put(`/v1/operator/tenants/${own}/subscription`, { planId: 'solo' }),
    ];
    for (const refused of refusals) {
      expect(refused.status, refused.text).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ reason: 'operator_tenant' });
      expect(refused.body.detail).toContain('operator tenant');
    }
    const overview = await operator.get(`/v1/operator/tenants/${own}`);
    expect(overview.status).toBe(200);
    expect(overview.body.subscription.plan).toBeUndefined();
    expect(overview.body.subscription.seats.limit).toBeUndefined();

    // Its admin asking through the tenant's own route is refused alike: the operator tenant's
    // admin holds an ordinary key (issued here as its admin would, the local seed keeps none).
    const { tenantContext } = await import('../../shared/platform/context.ts');
    const { asTenantId } = await import('../../shared/platform/db/keys.ts');
    const { seatsOf } = await import('../../shared/tenancy/seats.ts');
    const { createApiKey } = await import('../../shared/tenancy/api-keys.ts');
    const ctx = tenantContext({ tenantId: asTenantId(own), actor: { type: 'system', process: 'test' } });
    const admin = (await seatsOf(ctx)).active.find((m) => m.role === 'admin')!;
    const { key } = await createApiKey(ctx, { name: 'operator admin', memberId: admin.id });
    const asAdmin = new Api(runtime.urls.api).as(key);
    const requested = await asAdmin.post('/v1/tenant/deletion', {});
    expect(requested.status, requested.text).toBe(409);
    expect(requested.body).toMatchObject({ reason: 'operator_tenant' });
    expect((await asAdmin.get('/v1/tenant/deletion')).body).toEqual({ status: 'none' });
    expect((await operator.get('/v1/operator/plans')).status).toBe(200);
  });
});

describe('a tenant on a 2-seat plan', () => {
  it('is refused a third member with a 409 naming the limit, and gets the seat back when one leaves', async () => {
    await fetch(`${runtime.urls.api}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: PLAN_DAY }),
    });
    expect((await operator.put('/v1/operator/plans/team-2', plan(2))).status).toBe(200);
    expect((await operator.put('/v1/operator/plans/solo', plan(1))).status).toBe(200);
    const assigned = await operator.put(`/v1/operator/tenants/${tenant.tenantId}/subscription`, {
      planId: 'team-2',
    });
    expect(assigned.status, assigned.text).toBe(200);
    expect(assigned.body).toMatchObject({ plan: { id: 'team-2' }, seats: { active: 1, limit: 2 } });

    const second = await addMember();
    expect(second.status, second.text).toBe(201);
    const third = await addMember();
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ reason: 'seat_limit', limit: 'seats', seatLimit: 2, activeSeats: 2 });
    expect(third.body.detail).toContain('2 active members');

    expect((await tenant.api.delete(`/v1/members/${second.body.id}`)).status).toBe(200);
    const again = await addMember();
    expect(again.status, again.text).toBe(201);

    const subscription = await tenant.api.get('/v1/subscription');
    expect(subscription.status).toBe(200);
    expect(subscription.body).toMatchObject({
      plan: { id: 'team-2', seatPrice: 3000, billingPeriod: 'month', seatLimit: 2 },
      seats: { active: 2, limit: 2 },
      quotas: { contacts: 1000, emailsPerMonth: 5000 },
    });
  });

  it('cannot be moved to a plan with fewer seats than its active members: the 409 lists who to deactivate', async () => {
    const moved = await operator.put(`/v1/operator/tenants/${tenant.tenantId}/subscription`, {
      planId: 'solo',
    });
    expect(moved.status).toBe(409);
    expect(moved.body.seatLimit).toBe(1);
    expect(moved.body.activeMembers.map((m: { name: string }) => m.name).sort()).toEqual([
      'Ada Admin',
      'Member 3',
    ]);
    expect((await tenant.api.get('/v1/subscription')).body.plan.id).toBe('team-2');
  });

  it('has its month of seats invoiced by the operator tenant, once, and dunning chases it when unpaid', async () => {
    const operatorTenant = runtime.operator!.tenantId;
    // 00:30 in Paris: the meter records the day that ended.
    const mid = await runSchedule('meter-usage', '2026-11-20T23:30:00.000Z', tenant.tenantId);
    expect(mid).toMatchObject({ date: '2026-11-20', seats: 2 });
    expect(mid.statement).toBeUndefined();

    const close = await runSchedule('meter-usage', '2026-11-30T23:30:00.000Z', tenant.tenantId);
    // 10 to 30 November: 21 days of 2 seats, at 30.00 EUR a seat for a 30-day month.
    expect(close).toMatchObject({
      date: '2026-11-30',
      statement: { month: '2026-11', planId: 'team-2', seatDays: 42, amount: 4200, currency: 'EUR' },
    });
    const number = close.statement.invoiceNumber as string;
    expect(number).toMatch(/^2026-\d{4}$/);

    const rerun = await runSchedule('meter-usage', '2026-11-30T23:45:00.000Z', tenant.tenantId);
    expect(rerun.statement).toMatchObject({ invoiceId: close.statement.invoiceId, invoiceNumber: number });

    const overview = await operator.get(`/v1/operator/tenants/${tenant.tenantId}`);
    expect(overview.status).toBe(200);
    expect(overview.body.statements).toEqual([
      expect.objectContaining({ month: '2026-11', invoiceNumber: number }),
    ]);

    const financeEmail = (await tenant.api.get('/v1/tenant')).body.financeEmail as string;
    // Due 30 days after issue (1 December): on 2 January it is overdue and the operator's sweep chases it.
    const sweep = await runSchedule('dunning-sweep', '2027-01-02T09:00:00.000Z', operatorTenant);
    expect(sweep).toMatchObject({ newlyOverdue: 1, noticesSent: 1 });
    await runtime.settle();
    const reminders = await mailsTo(financeEmail);
    expect(reminders.map((m) => m.subject)).toEqual([`Invoice ${number} is overdue`]);
    expect(reminders[0]!.body.html).toContain('€42.00');
  });
});

describe('a tenant moved between plans within a month', () => {
  it('is billed each stretch at the plan in force during it, one invoice line per stretch, once', async () => {
    const setClock = (now: string) =>
      fetch(`${runtime.urls.api}/_local/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ now }),
      });
    const put = (planId: string, name: string, seatPrice: number) =>
      operator.put(`/v1/operator/plans/${planId}`, {
        name,
        currency: 'EUR',
        seatPrice,
        billingPeriod: 'month',
      });
    expect((await put('basic', 'Basic', 3100)).status).toBe(200);
    expect((await put('pro', 'Pro', 6200)).status).toBe(200);
    const moveTo = async (planId: string, at: string) => {
      await setClock(at);
      const moved = await operator.put(`/v1/operator/tenants/${changing.tenantId}/subscription`, { planId });
      expect(moved.status, moved.text).toBe(200);
    };
    // Basic from 1 December, Pro on the 21st, Basic again from the 22nd (Paris): one seat all month.
    await moveTo('basic', '2026-11-30T23:30:00.000Z');
    for (const day of ['2026-12-01', '2026-12-10', '2026-12-20'])
      await runSchedule('meter-usage', `${day}T23:30:00.000Z`, changing.tenantId);
    await moveTo('pro', '2026-12-21T09:00:00.000Z');
    await moveTo('basic', '2026-12-22T09:00:00.000Z');

    const close = await runSchedule('meter-usage', '2026-12-31T23:30:00.000Z', changing.tenantId);
    // 31 seat-days: 20 and 10 at 31.00 EUR a seat-month, 1 at 62.00, over a 31-day month.
    expect(close.statement).toMatchObject({
      month: '2026-12',
      planId: 'basic',
      seatDays: 31,
      amount: 2000 + 200 + 1000,
      lines: [
        { planId: 'basic', from: '2026-12-01', to: '2026-12-20', seatDays: 20, amount: 2000 },
        { planId: 'pro', from: '2026-12-21', to: '2026-12-21', seatDays: 1, amount: 200 },
        { planId: 'basic', from: '2026-12-22', to: '2026-12-31', seatDays: 10, amount: 1000 },
      ],
    });

    const rerun = await runSchedule('meter-usage', '2026-12-31T23:45:00.000Z', changing.tenantId);
    expect(rerun.statement).toEqual(close.statement);
    const { tenantContext } = await import('../../shared/platform/context.ts');
    const { asTenantId } = await import('../../shared/platform/db/keys.ts');
    const { getInvoice } = await import('../../shared/invoicing/invoices.ts');
    const invoice = await getInvoice(
      tenantContext({
        tenantId: asTenantId(runtime.operator!.tenantId),
        actor: { type: 'system', process: 'test' },
      }),
      close.statement.invoiceId,
    );
    expect(invoice).toMatchObject({ number: close.statement.invoiceNumber, total: 3200 });
    expect(
      invoice.lines.map((l: { description: string; unitAmount: number }) => [l.description, l.unitAmount]),
    ).toEqual([
      ['Basic, December 1, 2026 to December 20, 2026: 20 seat-days (active members each day)', 2000],
      ['Pro, December 21, 2026 to December 21, 2026: 1 seat-day (active members each day)', 200],
      ['Basic, December 22, 2026 to December 31, 2026: 10 seat-days (active members each day)', 1000],
    ]);
  });

  it('cannot be moved to a plan in another currency: its invoices are in one', async () => {
    expect(
      (
        await operator.put('/v1/operator/plans/dollars', {
          name: 'Dollars',
          currency: 'USD',
          seatPrice: 3000,
          billingPeriod: 'month',
        })
      ).status,
    ).toBe(200);
    const moved = await operator.put(`/v1/operator/tenants/${changing.tenantId}/subscription`, {
      planId: 'dollars',
    });
    expect(moved.status).toBe(409);
    expect(moved.body).toMatchObject({ reason: 'currency_change', currency: 'EUR' });
  });
});

describe('two plan assignments at once', () => {
  it('put the tenant on one plan: each either commits or is told to read again (409), never half', async () => {
    const racing = await signUpOverHttp(runtime);
    for (const id of ['race-a', 'race-b', 'race-c'])
      expect((await operator.put(`/v1/operator/plans/${id}`, plan(5))).status).toBe(200);
    const assign = (planId: string) =>
      operator.put(`/v1/operator/tenants/${racing.tenantId}/subscription`, { planId });
    expect((await assign('race-a')).status).toBe(200);

    // Whether the two overlap depends on the machine: overlapping, the seat hold's condition lets
    // one commit and answers the other 409 (seats_changed); one after the other, both commit.
    const answers = await Promise.all([assign('race-b'), assign('race-c')]);
    for (const answer of answers) {
      expect([200, 409], answer.text).toContain(answer.status);
      if (answer.status === 409) expect(answer.body.reason).toBe('seats_changed');
    }
    const committed = answers.filter((a) => a.status === 200).map((a) => a.body.plan.id);
    expect(committed.length).toBeGreaterThan(0);
    expect(committed).toContain((await racing.api.get('/v1/subscription')).body.plan.id);
  });
});
