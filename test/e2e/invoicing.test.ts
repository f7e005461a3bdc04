import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { addDays, localDate, zonedTimeToInstant } from '../../shared/platform/time.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let api: Api;
let financeEmail: string;
let financeMemberId: string;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime);
  api = tenant.api;
  financeEmail = (await api.get('/v1/tenant')).body.financeEmail;
  financeMemberId = (await memberWithKey(api, 'finance')).memberId;
  // The tenant's per-tenant schedules are created from its TenantCreated event.
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

async function runSweep(asOf: string, tenantId = tenant.tenantId) {
  const response = await fetch(`${runtime.urls.api}/_local/schedules/dunning-sweep/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ asOf }),
  });
  expect(response.status).toBe(200);
  const { runs } = (await response.json()) as { runs: Array<{ name: string; result: Record<string, any> }> };
  return runs.find((r) => r.name === `dunning-sweep-${tenantId}`)!.result;
}

async function customer() {
  const email = `grace-${Math.random().toString(36).slice(2, 10)}@navy.example`;
  const contact = await api.post('/v1/contacts', { firstName: 'Grace', lastName: 'Hopper', email });
  expect(contact.status).toBe(201);
  return { id: contact.body.id as string, email };
}

const today = () => localDate(new Date(), 'Europe/Paris');

describe('dunning through the local runtime', () => {
  it('reminds the customer of an invoice due yesterday once, copies finance, and closes the task on payment', async () => {
    const grace = await customer();
    const draft = await api.post('/v1/invoices', {
      contactId: grace.id,
      lines: [{ description: 'Consulting', quantity: 5, unitAmount: 25_000, taxRateBps: 0 }],
      issueDate: addDays(today(), -31),
      dueDate: addDays(today(), -1),
    });
    expect(draft.status, draft.text).toBe(201);
    const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`);
    expect(issued.status, issued.text).toBe(200);
    expect(issued.body).toMatchObject({ status: 'open', total: 125_000 });
    const number = issued.body.number as string;

    const first = await runSweep(new Date().toISOString());
    expect(first).toMatchObject({
      examined: 1,
      newlyOverdue: 1,
      tasksOpened: 1,
      noticesSent: 1,
      financeSent: 1,
    });
    expect(first.capacity.read).toBeGreaterThan(0);
    expect((await mailsTo(grace.email)).map((m) => m.subject)).toEqual([`Invoice ${number} is overdue`]);
    const copies = await mailsTo(financeEmail);
    expect(copies.map((m) => m.subject)).toEqual([`[Copy] Invoice ${number} is overdue`]);
    expect(copies[0]!.body.html).toContain('€1,250.00');

    const invoice = (await api.get(`/v1/invoices/${draft.body.id}`)).body;
    expect(invoice.collectionsTaskId).toBeDefined();
    const task = await api.get(`/v1/tasks/${invoice.collectionsTaskId}`);
    expect(task.body).toMatchObject({
      status: 'open',
      title: `Collect invoice ${number}: 1,250.00 EUR, 1 day overdue`,
      // The customer has no owner: the case goes to finance.
      assigneeId: financeMemberId,
    });

    const again = await runSweep(new Date().toISOString());
    expect(again).toMatchObject({ examined: 1, noticesSent: 0, financeSent: 0, tasksOpened: 0 });
    expect(await mailsTo(grace.email)).toHaveLength(1);
    expect(await mailsTo(financeEmail)).toHaveLength(1);

    const paid = await api.post(`/v1/invoices/${draft.body.id}/payments`, {
      amount: 125_000,
      paidAt: today(),
      method: 'bank_transfer',
      reference: `SEPA-${number}`,
    });
    expect(paid.status, paid.text).toBe(201);
    expect(paid.body.invoice.status).toBe('paid');
    await runtime.settle();
    const closed = await api.get(`/v1/tasks/${invoice.collectionsTaskId}`);
    expect(closed.body).toMatchObject({
      status: 'done',
      closedAt: zonedTimeToInstant(`${today()}T00:00`, 'Europe/Paris').toISOString(),
    });
    const timeline = await api.get(`/v1/contacts/${grace.id}/timeline`);
    expect(timeline.body.items.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['invoice', 'dunning', 'payment']),
    );
    expect(runtime.deadLetters.list()).toEqual([]);
  });

  it('serves the printable invoice as a page without script', async () => {
    const grace = await customer();
    const draft = await api.post('/v1/invoices', {
      contactId: grace.id,
      lines: [{ description: 'Audit', quantity: 1, unitAmount: 99_900, taxRateBps: 2000 }],
    });
    const page = await api.get(`/v1/invoices/${draft.body.id}/print`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).toContain('Draft invoice');
    expect(page.text).toContain('€1,198.80');
  });
});

/** What a reader sees: no-break spaces (French groups thousands with one) read as spaces. */
const seen = (text: string | undefined) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ');

describe('a tenant in Paris that writes French', () => {
  it('chases an unpaid invoice in French, 1 645,50 € in the notice and in finance’s copy, and in English to a contact who reads English', async () => {
    const paris = await signUpOverHttp(runtime, { locale: 'fr-FR' });
    await runtime.settle();
    const finance = (await paris.api.get('/v1/tenant')).body.financeEmail as string;
    const unpaid = async (contact: Record<string, unknown>) => {
      const created = await paris.api.post('/v1/contacts', { lastName: 'Martin', ...contact });
      expect(created.status, created.text).toBe(201);
      const draft = await paris.api.post('/v1/invoices', {
        contactId: created.body.id,
        lines: [{ description: 'Conseil', quantity: 1, unitAmount: 164_550, taxRateBps: 0 }],
        issueDate: addDays(today(), -31),
        dueDate: addDays(today(), -1),
      });
      expect(draft.status, draft.text).toBe(201);
      const issued = await paris.api.post(`/v1/invoices/${draft.body.id}/issue`);
      expect(issued.status, issued.text).toBe(200);
      return { id: draft.body.id as string, number: issued.body.number as string };
    };
    const claire = `claire-${Math.random().toString(36).slice(2, 10)}@client.example`;
    const john = `john-${Math.random().toString(36).slice(2, 10)}@client.example`;
    const french = await unpaid({ firstName: 'Claire', email: claire });
    const english = await unpaid({ firstName: 'John', email: john, locale: 'en-GB' });

    expect(await runSweep(new Date().toISOString(), paris.tenantId)).toMatchObject({
      noticesSent: 2,
      financeSent: 2,
    });
    const dueOn = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${addDays(today(), -1)}T00:00:00Z`),
    );
    const [notice] = await mailsTo(claire);
    expect(seen(notice!.subject)).toBe(`Facture ${french.number} : échéance dépassée`);
    expect(seen(notice!.body.text)).toContain(
      `La facture ${french.number} d’un montant de 1 645,50 € était due le ${dueOn} ; elle est en retard de 1 jour.`,
    );
    expect(seen(notice!.body.text)).toContain('Bonjour Claire,');
    // The amount never breaks across lines: its spaces are no-break spaces.
    expect(notice!.body.text).toContain('1\u202f645,50\u00a0€');
    expect(notice!.body.html).toContain('<html lang="fr-FR">');
    expect(seen(notice!.body.html)).toContain(
      'Montant dû</td><td style="padding:4px 0;font-weight:bold;">1 645,50 €',
    );

    const [reminder] = await mailsTo(john);
    expect(reminder!.subject).toBe(`Invoice ${english.number} is overdue`);
    expect(reminder!.body.text).toContain('€1,645.50 was due on');

    const copies = await mailsTo(finance);
    expect(copies.map((m) => seen(m.subject)).sort()).toEqual(
      [
        `[Copie] Facture ${french.number} : échéance dépassée`,
        `[Copie] Invoice ${english.number} is overdue`,
      ].sort(),
    );
    // Finance reads the tenant's language, whatever the customer's.
    for (const copy of copies)
      expect(seen(copy.body.text)).toMatch(/^Copie de « Première relance » \(destinataire : /);

    const printed = await paris.api.get(`/v1/invoices/${french.id}/print`);
    expect(printed.status).toBe(200);
    expect(printed.text).toContain('<html lang="fr-FR">');
    expect(seen(printed.text)).toContain('Reste à payer</th><td class="n">1 645,50 €</td>');
  });
});

describe('finance at a busy moment', () => {
  const draftFor = async (contactId: string, amount: number) => {
    const draft = await api.post('/v1/invoices', {
      contactId,
      lines: [{ description: 'Consulting', quantity: 1, unitAmount: amount, taxRateBps: 0 }],
    });
    expect(draft.status, draft.text).toBe(201);
    return draft.body.id as string;
  };

  it('issues fifteen drafts at once, each with its own number, and records ten payments of one invoice at once', async () => {
    const grace = await customer();
    const drafts = await Promise.all(Array.from({ length: 15 }, () => draftFor(grace.id, 10_000)));
    const issued = await Promise.all(drafts.map((id) => api.post(`/v1/invoices/${id}/issue`)));
    expect(issued.map((r) => r.status)).toEqual(drafts.map(() => 200));
    const numbers = issued.map((r) => r.body.number as string);
    expect(new Set(numbers).size).toBe(15);

    const invoiceId = issued[0]!.body.id as string;
    const payments = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.post(`/v1/invoices/${invoiceId}/payments`, {
          amount: 1_000,
          method: 'bank_transfer',
          reference: `BUSY-${i}`,
        }),
      ),
    );
    expect(payments.map((r) => r.status)).toEqual(payments.map(() => 201));
    const paid = await api.get(`/v1/invoices/${invoiceId}`);
    expect(paid.body).toMatchObject({ status: 'paid', amountPaid: 10_000, amountDue: 0 });
  });
});

describe('bad input', () => {
  it('answers 400 problems for negative or fractional amounts, unknown currencies and early due dates, writing nothing', async () => {
    const grace = await customer();
    const before = (await api.get(`/v1/invoices?contactId=${grace.id}`)).body.items;
    const line = { description: 'Thing', quantity: 1, unitAmount: 100, taxRateBps: 0 };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ lines: [{ ...line, unitAmount: -100 }] }, 'body.lines.0.unitAmount'],
      [{ lines: [{ ...line, unitAmount: 10.5 }] }, 'body.lines.0.unitAmount'],
      [{ lines: [{ ...line, quantity: 0.5 }] }, 'body.lines.0.quantity'],
      [{ lines: [line], currency: 'XYZ' }, 'body.currency'],
      [{ lines: [line], issueDate: '2026-03-10', dueDate: '2026-03-01' }, 'body.dueDate'],
    ];
    for (const [body, path] of cases) {
      const response = await api.post('/v1/invoices', { contactId: grace.id, ...body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await api.get(`/v1/invoices?contactId=${grace.id}`)).body.items).toEqual(before);
  });

  it('refuses payments on void and paid invoices, and overpayments, leaving the invoice as it was', async () => {
    const grace = await customer();
    const create = async () => {
      const draft = await api.post('/v1/invoices', {
        contactId: grace.id,
        lines: [{ description: 'Thing', quantity: 1, unitAmount: 1_000, taxRateBps: 0 }],
      });
      return (await api.post(`/v1/invoices/${draft.body.id}/issue`)).body;
    };
    const voided = await create();
    expect((await api.post(`/v1/invoices/${voided.id}/void`)).status).toBe(200);
    const onVoid = await api.post(`/v1/invoices/${voided.id}/payments`, { amount: 1_000 });
    expect(onVoid.status).toBe(409);
    expect(onVoid.headers.get('content-type')).toBe('application/problem+json');

    const invoice = await create();
    const over = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: 1_001 });
    expect(over.status).toBe(400);
    expect(over.body.errors[0].path).toBe('body.amount');
    const negative = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: -5 });
    expect(negative.status).toBe(400);
    expect((await api.get(`/v1/invoices/${invoice.id}`)).body).toMatchObject({
      amountPaid: 0,
      status: 'open',
    });

    const headers = { 'idempotency-key': `pay-${invoice.id}` };
    const pay = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: 1_000 }, { headers });
    const replay = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: 1_000 }, { headers });
    expect(replay.body.payment.id).toBe(pay.body.payment.id);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const onPaid = await api.post(`/v1/invoices/${invoice.id}/payments`, { amount: 1 });
    expect(onPaid.status).toBe(409);
    expect((await api.get(`/v1/invoices/${invoice.id}/payments`)).body.items).toHaveLength(1);
  });

  it('refuses an Idempotency-Key reused for a payment on another invoice instead of replaying the first', async () => {
    const grace = await customer();
    const issue = async () => {
      const draft = await api.post('/v1/invoices', {
        contactId: grace.id,
        lines: [{ description: 'Thing', quantity: 1, unitAmount: 1_000, taxRateBps: 0 }],
      });
      return (await api.post(`/v1/invoices/${draft.body.id}/issue`)).body;
    };
    const [first, second] = [await issue(), await issue()];
    const headers = { 'idempotency-key': `reused-${first.id}` };
    expect((await api.post(`/v1/invoices/${first.id}/payments`, { amount: 500 }, { headers })).status).toBe(
      201,
    );
    const reused = await api.post(`/v1/invoices/${second.id}/payments`, { amount: 500 }, { headers });
    expect(reused.status).toBe(422);
    expect((await api.get(`/v1/invoices/${second.id}`)).body.amountPaid).toBe(0);
  });

  it('refuses a dunning policy with an unknown merge field, naming where it is', async () => {
    const policy = (await api.get('/v1/dunning-policy')).body;
    expect(policy).toMatchObject({ isDefault: true, version: 0 });
    const levels = policy.levels.map((l: any, i: number) =>
      i === 1 ? { ...l, email: { ...l.email, subject: 'Pay {{invoice.totl}}' } } : l,
    );
    const refused = await api.put('/v1/dunning-policy', {
      levels,
      paymentInstructions: policy.paymentInstructions,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { path: 'body.levels.1.email.subject', message: expect.stringContaining('{{invoice.totl}}') },
    ]);
    const saved = await api.put(
      '/v1/dunning-policy',
      { levels: policy.levels.slice(1), paymentInstructions: 'IBAN FR76 0000 0000 0000' },
      { headers: { 'if-match': '"0"' } },
    );
    expect(saved.status, saved.text).toBe(200);
    expect(saved.headers.get('etag')).toBe('"1"');
  });
});
