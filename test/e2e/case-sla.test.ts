import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutEventsEntry } from '../../infra/local/aws/event-bus.ts';
import { INBOUND_MAIL_DOMAIN, type LocalRuntime } from '../../infra/local/runtime.ts';
import { addDays, localDate, zonedTimeToInstant } from '../../shared/platform/time.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * SLAs in business time, through the local runtime. The first response: the case opens by SMTP on
 * a Friday afternoon in Paris, the local clock moves over the weekend, and the scheduler fires the
 * case's one-time schedule: the warning, then the breach at its instant, with the lead mailed.
 * Then a tenant's own policy: the next response and the resolution, with the clock paused while
 * the case waits on the customer.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let adminEmail: string;
const slaEvents: Array<{ type: string; detail: Record<string, any> }> = [];

/** A Friday at least a week ahead, so every schedule lies in the future of the real clock. */
const friday = (() => {
  let date = addDays(localDate(new Date(), 'Europe/Paris'), 7);
  while (new Date(`${date}T00:00:00Z`).getUTCDay() !== 5) date = addDays(date, 1);
  return date;
})();
const monday = addDays(friday, 3);
const paris = (date: string, time: string) => zonedTimeToInstant(`${date}T${time}`, 'Europe/Paris');

async function at(instant: Date) {
  const moved = await new Api(runtime.urls.api).post('/_local/clock', { now: instant.toISOString() });
  expect(moved.status, moved.text).toBeLessThan(300);
  await runtime.scheduler.fireDue();
  await runtime.settle();
}

async function mailsTo(address: string) {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as {
    emails: Array<{ subject: string; destination: { to: string[] }; body: { text?: string } }>;
  };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(address)));
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  const putEvents = runtime.bus.putEvents.bind(runtime.bus);
  runtime.bus.putEvents = (entries: PutEventsEntry[]) => {
    for (const entry of entries)
      if (entry.DetailType?.startsWith('CaseSla'))
        slaEvents.push({ type: entry.DetailType, detail: JSON.parse(entry.Detail!) });
    return putEvents(entries);
  };
  tenant = await signUpOverHttp(runtime);
  adminEmail = (await tenant.api.get('/v1/tenant')).body.emailVerification.email;
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the first-response SLA of a case opened on a Friday afternoon', () => {
  let caseId: string;

  it('is due after eight business hours, on Monday afternoon', async () => {
    await at(paris(friday, '16:00'));
    await createTransport({ host: runtime.smtp.host, port: runtime.smtp.port, ignoreTLS: true }).sendMail({
      from: 'linus@customers.example',
      to: `${tenant.tenantId.toLowerCase()}@${INBOUND_MAIL_DOMAIN}`,
      subject: 'The export fails',
      text: 'Every export stops at 99%.',
    });
    await runtime.settle();
    const [opened] = (await tenant.api.get('/v1/cases')).body.items;
    caseId = opened.id;
    expect(opened.priority).toBe('normal');
    // 8 business hours: 16:00-17:00 on Friday, then 09:00-16:00 on Monday. The local clock runs
    // on after it is set, so the case opened a moment after 16:00: its clock keeps that moment.
    const openedAfter = Date.parse(opened.createdAt) - paris(friday, '16:00').getTime();
    expect(openedAfter).toBeGreaterThanOrEqual(0);
    expect(openedAfter).toBeLessThan(60_000);
    expect(Date.parse(opened.sla.firstResponse.dueAt)).toBe(paris(monday, '16:00').getTime() + openedAfter);
    expect(Date.parse(opened.sla.firstResponse.warnAt)).toBe(paris(monday, '14:24').getTime() + openedAfter);
  });

  it('warns when 80% of the business time is used, not before', async () => {
    await at(paris(addDays(friday, 1), '12:00'));
    await at(paris(monday, '14:23'));
    expect((await tenant.api.get(`/v1/cases/${caseId}`)).body.sla.firstResponse.warnedAt).toBeUndefined();
    await at(paris(monday, '14:25'));
    const warned = (await tenant.api.get(`/v1/cases/${caseId}`)).body;
    expect(warned.sla.firstResponse.warnedAt).toBeDefined();
    expect(warned.sla.firstResponse.breachedAt).toBeUndefined();
  });

  it('flags the breach at its instant, raises the priority and mails the lead once', async () => {
    await at(paris(monday, '15:59'));
    expect((await tenant.api.get(`/v1/cases/${caseId}`)).body.sla.firstResponse.breachedAt).toBeUndefined();
    await at(paris(monday, '16:01'));
    const breached = (await tenant.api.get(`/v1/cases/${caseId}`)).body;
    // Flagged at the target's instant, not when the firing happened to run.
    expect(breached.sla.firstResponse.breachedAt).toBe(breached.sla.firstResponse.dueAt);
    expect(breached.priority).toBe('high');
    const escalations = (await mailsTo(adminEmail)).filter((m) => m.subject.startsWith('SLA breached'));
    expect(escalations).toHaveLength(1);
    expect(escalations[0]!.subject).toContain('The export fails');

    await at(paris(addDays(monday, 1), '10:00'));
    expect((await mailsTo(adminEmail)).filter((m) => m.subject.startsWith('SLA breached'))).toHaveLength(1);
  });
});

describe("a tenant's SLA policy: next response and resolution, paused while pending", () => {
  /** A Monday after the first scenario's days, so the local clock only moves forward. */
  const day = addDays(monday, 7);
  const tuesday = addDays(day, 1);
  let other: SignedUpTenant;
  let lead: string;
  let caseId: string;
  let opened: number;
  /** How long after the instant the local clock was set to a write happened (the clock runs on). */
  const offsetOf = (iso: string, instant: Date) => Date.parse(iso) - instant.getTime();
  const read = async () => (await other.api.get(`/v1/cases/${caseId}`)).body;
  const eventsOfCase = (type: string) =>
    slaEvents.filter((e) => e.type === type && e.detail.caseId === caseId);
  const escalations = async () => (await mailsTo(lead)).filter((m) => m.subject.startsWith('SLA breached'));

  beforeAll(async () => {
    other = await signUpOverHttp(runtime);
    lead = (await other.api.get('/v1/tenant')).body.emailVerification.email;
  });

  it('refuses a target that is not a positive number of minutes, naming it', async () => {
    const refused = await other.api.put('/v1/case-settings', {
      week: { '1': { opens: '09:00', closes: '17:00' } },
      holidays: [],
      slaTargets: {
        urgent: { firstResponse: 30, nextResponse: 60, resolution: 240 },
        high: { firstResponse: 60, nextResponse: 120, resolution: 480 },
        normal: { firstResponse: 60, nextResponse: 120, resolution: 0 },
        low: { firstResponse: 480, nextResponse: 480, resolution: 2400 },
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toContain(
      'body.slaTargets.normal.resolution',
    );
    expect((await other.api.get('/v1/case-settings')).body.slaTargets.normal.resolution).toBe(2400);
  });

  it("starts a case's clocks with the tenant's targets", async () => {
    const policy = await other.api.put('/v1/case-settings', {
      week: (await other.api.get('/v1/case-settings')).body.week,
      holidays: [],
      slaTargets: {
        urgent: { firstResponse: 30, nextResponse: 60, resolution: 240 },
        high: { firstResponse: 60, nextResponse: 120, resolution: 480 },
        normal: { firstResponse: 60, nextResponse: 120, resolution: 240 },
        low: { firstResponse: 480, nextResponse: 480, resolution: 2400 },
      },
    });
    expect(policy.status, policy.text).toBe(200);
    await at(paris(day, '09:00'));
    const created = await other.api.post('/v1/cases', {
      subject: 'Invoice total is wrong',
      text: 'The total is off by 10 EUR.',
      requesterEmail: 'grace@customers.example',
      requesterName: 'Grace Hopper',
    });
    expect(created.status, created.text).toBe(201);
    caseId = created.body.id;
    opened = offsetOf(created.body.createdAt, paris(day, '09:00'));
    expect(opened).toBeLessThan(60_000);
    const { sla } = created.body;
    expect(offsetOf(sla.firstResponse.dueAt, paris(day, '10:00'))).toBe(opened);
    expect(sla.resolution.targetMinutes).toBe(240);
    expect(offsetOf(sla.resolution.dueAt, paris(day, '13:00'))).toBe(opened);
  });

  it('pauses the resolution while the case waits on the customer, past its target', async () => {
    await at(paris(day, '09:30'));
    const reply = await other.api.post(`/v1/cases/${caseId}/messages`, {
      text: 'Which invoice number is it?',
      status: 'pending',
    });
    expect(reply.status, reply.text).toBe(201);
    await runtime.settle();
    const pending = await read();
    expect(pending.sla.firstResponse.metAt).toBeDefined();
    expect(pending.sla.resolution.pausedAt).toBeDefined();
    expect(eventsOfCase('CaseSlaMet').map((e) => e.detail.metric)).toEqual(['first_response']);

    await at(paris(day, '14:00'));
    const waiting = await read();
    expect(waiting.sla.resolution.breachedAt).toBeUndefined();
    expect(waiting.priority).toBe('normal');
    expect(eventsOfCase('CaseSlaBreached')).toEqual([]);
  });

  it("resumes on the customer's answer with the time left, and starts the next-response clock", async () => {
    const paused = Date.parse((await read()).sla.resolution.pausedAt);
    const leftMs = paris(day, '13:00').getTime() + opened - paused;
    await createTransport({ host: runtime.smtp.host, port: runtime.smtp.port, ignoreTLS: true }).sendMail({
      from: 'Grace Hopper <grace@customers.example>',
      to: (await read()).replyTo,
      subject: 'Re: Invoice total is wrong',
      text: 'It is invoice 2026-0042.',
    });
    await runtime.settle();
    const resumed = await read();
    expect(resumed.status).toBe('open');
    expect(resumed.sla.resolution.pausedAt).toBeUndefined();
    const answered = Date.parse(resumed.lastMessageAt);
    // The 3.5 hours left: 14:00 to 17:00 today, then half an hour on Tuesday morning.
    const todayLeft = paris(day, '17:00').getTime() - answered;
    expect(Date.parse(resumed.sla.resolution.dueAt)).toBe(
      paris(tuesday, '09:00').getTime() + leftMs - todayLeft,
    );
    expect(resumed.sla.nextResponse.startedAt).toBe(resumed.lastMessageAt);
    expect(Date.parse(resumed.sla.nextResponse.dueAt)).toBe(answered + 120 * 60_000);
  });

  it('flags the missed next response once, however often the timer and the event are delivered', async () => {
    runtime.faults.inject({
      service: 'scheduler',
      operation: 'cases-sla',
      error: 'ConcurrentDuplicate',
      times: 1,
    });
    runtime.faults.inject({ service: 'events', operation: 'cases-mail', error: 'Duplicate', times: 1 });
    await at(paris(day, '16:10'));
    const breached = await read();
    expect(breached.sla.nextResponse.breachedAt).toBe(breached.sla.nextResponse.dueAt);
    expect(breached.sla.resolution.breachedAt).toBeUndefined();
    expect(breached.priority).toBe('high');
    expect(eventsOfCase('CaseSlaBreached').map((e) => [e.detail.metric, e.detail.raisedTo])).toEqual([
      ['next_response', 'high'],
    ]);
    const mails = await escalations();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.body.text).toContain('next-response target');
    // Both duplicates were delivered (a fault is gone once used): the firing twice at once, the
    // breach event to the mail consumer twice.
    expect(runtime.faults.list()).toEqual([]);
    runtime.faults.clear();
  });

  it('warns of the resolution, then flags it at its instant on Tuesday morning', async () => {
    await at(paris(day, '16:50'));
    expect(eventsOfCase('CaseSlaWarning').map((e) => e.detail.metric)).toContain('resolution');
    expect((await read()).sla.resolution.warnedAt).toBeDefined();

    await at(paris(tuesday, '09:45'));
    const missed = await read();
    expect(missed.sla.resolution.breachedAt).toBe(missed.sla.resolution.dueAt);
    expect(Date.parse(missed.sla.resolution.breachedAt)).toBeLessThan(paris(tuesday, '09:45').getTime());
    expect(missed.priority).toBe('urgent');
    expect(eventsOfCase('CaseSlaBreached').map((e) => e.detail.metric)).toEqual([
      'next_response',
      'resolution',
    ]);
    expect(await escalations()).toHaveLength(2);
  });

  it('stops the clocks when the case is solved: nothing more falls due', async () => {
    expect((await other.api.patch(`/v1/cases/${caseId}`, { status: 'solved' })).status).toBe(200);
    await runtime.settle();
    expect((await read()).sla.resolution.metAt).toBeDefined();
    await at(paris(addDays(tuesday, 2), '12:00'));
    expect(eventsOfCase('CaseSlaBreached')).toHaveLength(2);
    // Met in time: the first response only (the resolution came after its breach).
    expect(eventsOfCase('CaseSlaMet').map((e) => e.detail.metric)).toEqual(['first_response']);
  });

  it('reports the targets met and breached per day and clock, from the warehouse', async () => {
    await runtime.settle();
    const path = `/v1/reports/case-sla?from=${day}&to=${tuesday}&grain=day`;
    const report = await other.api.get(path);
    expect(report.status, report.text).toBe(200);
    const rows = report.body.rows as Array<Record<string, any>>;
    expect(rows.filter((r) => r.period === day).map((r) => r.metric)).toEqual([
      'first_response',
      'next_response',
      'resolution',
    ]);
    expect(
      rows.filter((r) => r.met || r.breached).map((r) => [r.period, r.metric, r.met, r.breached]),
    ).toEqual([
      [day, 'first_response', 1, 0],
      [day, 'next_response', 0, 1],
      [tuesday, 'resolution', 0, 1],
    ]);
    expect(rows.find((r) => r.period === day && r.metric === 'first_response')!.metRate).toBe(1);
    const csv = await other.api.get(path, { headers: { accept: 'text/csv' } });
    expect(csv.text.split('\n')[0]).toBe('period,metric,met,breached,metRate');
    // The other tenant's cases are not in it.
    expect((await tenant.api.get(path)).body.rows.some((r: any) => r.met || r.breached)).toBe(false);
  });

  it('closes the solved case by itself after the days of the settings, at its instant', async () => {
    const solved = await read();
    expect(Date.parse(solved.closesAt) - Date.parse(solved.solvedAt)).toBe(4 * 86_400_000);
    await at(new Date(Date.parse(solved.closesAt) - 60_000));
    expect((await read()).status).toBe('solved');
    await at(new Date(Date.parse(solved.closesAt) + 60_000));
    const closed = await read();
    expect(closed.status).toBe('closed');
    expect(closed.closesAt).toBeUndefined();
    expect(
      (await other.api.get('/v1/cases?status=closed')).body.items.map((c: { id: string }) => c.id),
    ).toEqual([caseId]);
  });
});
