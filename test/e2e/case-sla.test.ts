import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_MAIL_DOMAIN, type LocalRuntime } from '../../infra/local/runtime.ts';
import { addDays, localDate, zonedTimeToInstant } from '../../shared/platform/time.ts';
import { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The first-response SLA in business time, through the local runtime: the case opens by SMTP on a
 * Friday afternoon in Paris, the local clock moves over the weekend, and the scheduler fires the
 * case's one-time schedule: the warning, then the breach at its instant, with the lead mailed.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let adminEmail: string;

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
    emails: Array<{ subject: string; destination: { to: string[] } }>;
  };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(address)));
}

beforeAll(async () => {
  runtime = await startTestRuntime();
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
