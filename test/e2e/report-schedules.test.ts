import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { newId } from '../../shared/platform/ids.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * A report mailed on an RRULE, through the whole local runtime: the schedule's one-time timer
 * fires on the date the test moves the clock to, the report runs on the warehouse's facts, and the
 * mail goes through the SES emulator, where the test reads it as the member would receive it.
 */
const DAY = 86_400_000;
/** The runtime's clock runs, moved forward by the test. */
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let adminEmail: string;

/** Midnight UTC `days` from today: ahead of the real clock, so every timer lies in the future. */
const ahead = (days: number) => new Date(Math.floor(Date.now() / DAY) * DAY + days * DAY);
const firstDay = ahead(3);
const localDay = (at: Date) => at.toISOString().slice(0, 10);

interface StoredMail {
  subject: string;
  destination: { to: string[] };
  body: { html?: string; text?: string };
  attachments?: Array<{
    filename: string;
    contentType: string;
    content: string;
    contentDisposition?: string;
    contentId?: string;
  }>;
}

async function mailsTo(email: string): Promise<StoredMail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: StoredMail[] };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(email)));
}

async function fireSchedulesAt(instant: Date) {
  offsetMs = Math.max(offsetMs, instant.getTime() - Date.now());
  await runtime.scheduler.fireDue();
  await runtime.settle();
}

beforeAll(async () => {
  runtime = await startTestRuntime({ clock });
  tenant = await signUpOverHttp(runtime);
  adminEmail = (await tenant.api.get(`/v1/members/${tenant.adminId}`)).body.email;
  // Two deals won in the month before the first mailing: 1000 and 2000 (minor units).
  const previousMonth = (day: number) =>
    new Date(Date.UTC(firstDay.getUTCFullYear(), firstDay.getUTCMonth() - 1, day, 10)).toISOString();
  const events = new EventBridgeClient({
    endpoint: runtime.urls.aws,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const won = (amount: number, at: string) => ({
    EventBusName: 'funnel-local',
    Source: 'funnel.sales',
    DetailType: 'DealWon',
    Detail: JSON.stringify({
      dealId: newId(),
      pipelineId: newId(),
      amount,
      currency: 'EUR',
      ownerId: tenant.adminId,
      contactIds: [],
      eventId: newId(),
      tenantId: tenant.tenantId,
      occurredAt: at,
    }),
  });
  const result = await events.send(
    new PutEventsCommand({ Entries: [won(1000, previousMonth(10)), won(2000, previousMonth(20))] }),
  );
  expect(result.FailedEntryCount).toBe(0);
  events.destroy();
  await runtime.settle();
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('a scheduled report', () => {
  it('mails each recipient the chart inline and the CSV attached, once per occurrence', async () => {
    const created = await tenant.api.post('/v1/report-schedules', {
      name: 'Monthly wins <EU & UK>',
      report: { type: 'standard', report: 'sales-closed' },
      period: 'previous-month',
      rrule: 'FREQ=DAILY',
      startsAt: `${localDay(firstDay)}T08:00`,
      recipients: [tenant.adminId],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.nextOccurrence).toBe(`${localDay(firstDay)}T08:00`);
    await runtime.settle();

    // Before 08:00 in Paris (06:00 or 07:00 UTC): not yet.
    await fireSchedulesAt(new Date(firstDay.getTime() + 5 * 3_600_000));
    expect(
      await mailsTo(adminEmail).then((m) => m.filter((e) => e.subject.startsWith('Monthly wins'))),
    ).toEqual([]);

    await fireSchedulesAt(new Date(firstDay.getTime() + 12 * 3_600_000));
    const [mail, ...others] = (await mailsTo(adminEmail)).filter((m) => m.subject.startsWith('Monthly wins'));
    expect(others).toEqual([]);
    expect(mail!.subject).toMatch(
      /^Monthly wins <EU & UK>: Sales closed, \d{4}-\d{2}-01 to \d{4}-\d{2}-\d{2}$/,
    );
    expect(mail!.body.html).toContain('<img src="cid:chart"');
    // The page engine escapes what a member typed; the table shows the rows in the reader's units.
    expect(mail!.body.html).toContain('<h1 style="font-size:18px;">Monthly wins &lt;EU &amp; UK></h1>');
    expect(mail!.body.html).not.toContain('<EU');
    expect(mail!.body.html).toContain('<th style="padding:4px 8px;text-align:left;">Revenue won</th>');
    expect(mail!.body.html).toContain('20.00 EUR');
    const chart = mail!.attachments!.find((a) => a.contentType === 'image/svg+xml')!;
    expect(chart).toMatchObject({ contentDisposition: 'INLINE', contentId: 'chart' });
    expect(Buffer.from(chart.content, 'base64').toString('utf8')).toMatch(/^<svg[^>]*>.*Sales closed/s);
    const csv = mail!.attachments!.find((a) => a.contentType.startsWith('text/csv'))!;
    expect(csv.filename).toMatch(/^sales-closed-\d{4}-\d{2}-01-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...rows] = parse(Buffer.from(csv.content, 'base64').toString('utf8')) as string[][];
    expect(header).toEqual(['period', 'won', 'lost', 'closed', 'closeRate', 'revenueWon']);
    const column = (name: string) => rows.reduce((sum, r) => sum + Number(r[header!.indexOf(name)]), 0);
    expect([column('won'), column('lost'), column('revenueWon')]).toEqual([2, 0, 3000]);

    const schedule = (await tenant.api.get(`/v1/report-schedules/${created.body.id}`)).body;
    expect(schedule.lastSentOccurrence).toBe(`${localDay(firstDay)}T08:00`);
    expect(schedule.nextOccurrence).toBe(`${localDay(new Date(firstDay.getTime() + DAY))}T08:00`);
  });

  it('sends nothing twice when the same occurrence is delivered twice at once', async () => {
    const list = (await tenant.api.get('/v1/report-schedules')).body.items as Array<{
      id: string;
      nextOccurrence: string;
    }>;
    const { id, nextOccurrence } = list[0]!;
    const before = (await mailsTo(adminEmail)).length;
    const at = new Date(firstDay.getTime() + DAY + 12 * 3_600_000);
    // The scheduler's input to the mailer, as EventBridge Scheduler may deliver it twice at once.
    const firing = {
      schedule: 'report-mailing',
      tenantId: tenant.tenantId,
      asOf: at.toISOString(),
      payload: { scheduleId: id, occurrence: nextOccurrence },
    };
    const outcomes = (await Promise.all([
      runtime.lambda.invoke('reports-mailer', firing),
      runtime.lambda.invoke('reports-mailer', firing),
    ])) as Array<{ sent: number }>;
    await runtime.settle();
    expect(outcomes.reduce((sum, o) => sum + o.sent, 0)).toBe(1);
    expect((await mailsTo(adminEmail)).length).toBe(before + 1);
    // The timer of that occurrence fires too: the occurrence is done, nothing more goes out.
    await fireSchedulesAt(at);
    expect((await mailsTo(adminEmail)).length).toBe(before + 1);
  });

  it('pauses, saying why, when its custom report was deleted, instead of failing on every delivery', async () => {
    const report = await tenant.api.post('/v1/reports/custom', {
      name: 'Wins for the board',
      dataset: 'deals',
      measures: ['won'],
      visibility: 'tenant',
    });
    expect(report.status, report.text).toBe(201);
    const created = await tenant.api.post('/v1/report-schedules', {
      name: 'Board wins',
      report: { type: 'custom', customReportId: report.body.id },
      period: 'previous-month',
      rrule: 'FREQ=DAILY',
      startsAt: `${localDay(ahead(20))}T08:00`,
      recipients: [tenant.adminId],
    });
    expect(created.status, created.text).toBe(201);
    await runtime.settle();
    expect((await tenant.api.delete(`/v1/reports/custom/${report.body.id}`)).status).toBe(204);

    await fireSchedulesAt(new Date(ahead(20).getTime() + 12 * 3_600_000));
    expect(runtime.deadLetters.list().filter((d) => JSON.stringify(d).includes(created.body.id))).toEqual([]);
    const paused = await tenant.api.get(`/v1/report-schedules/${created.body.id}`);
    expect(paused.body).toMatchObject({ status: 'paused', pausedReason: 'Its custom report was deleted.' });
    expect(paused.body.nextOccurrence).toBeUndefined();
    expect((await mailsTo(adminEmail)).filter((m) => m.subject.startsWith('Board wins'))).toEqual([]);
  });

  it('refuses a first occurrence on a day that does not exist', async () => {
    const response = await tenant.api.post('/v1/report-schedules', {
      name: 'Never',
      report: { type: 'standard', report: 'sales-closed' },
      period: 'previous-month',
      rrule: 'FREQ=YEARLY',
      startsAt: '2027-02-30T09:00',
      recipients: [tenant.adminId],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('body.startsAt');
  });
});

describe("a schedule's report and recipients", () => {
  const schedule = (report: Record<string, unknown>, recipients: string[], days = 30) => ({
    name: 'Checked',
    report,
    period: 'previous-month',
    rrule: 'FREQ=DAILY',
    startsAt: `${localDay(ahead(days))}T08:00`,
    recipients,
  });

  it('refuses parameter values the report itself would refuse, naming each', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ grain: 'fortnight' }, 'body.report.parameters.grain'],
      [{ owner: 'nope' }, 'body.report.parameters.owner'],
      [{ by: 'colour' }, 'body.report.parameters.by'],
    ];
    for (const [parameters, path] of cases) {
      const response = await tenant.api.post(
        '/v1/report-schedules',
        schedule({ type: 'standard', report: 'sales-closed', parameters }, [tenant.adminId]),
      );
      expect(response.status, response.text).toBe(400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it('mails a private custom report to no member who may not open it', async () => {
    const [owner, colleague] = [
      await memberWithKey(tenant.api, 'sales'),
      await memberWithKey(tenant.api, 'sales'),
    ];
    const report = await owner.api.post('/v1/reports/custom', {
      name: 'My pipeline',
      dataset: 'deals',
      measures: ['won'],
      visibility: 'private',
    });
    expect(report.status, report.text).toBe(201);
    const privateReport = { type: 'custom', customReportId: report.body.id };

    const toBoth = await owner.api.post(
      '/v1/report-schedules',
      schedule(privateReport, [owner.memberId, colleague.memberId]),
    );
    expect(toBoth.status, toBoth.text).toBe(400);
    expect(toBoth.body.errors[0].path).toBe('body.recipients.1');

    const mine = await owner.api.post(
      '/v1/report-schedules',
      schedule(privateReport, [owner.memberId, tenant.adminId]),
    );
    expect(mine.status, mine.text).toBe(201);
    const added = await colleague.api.patch(
      `/v1/report-schedules/${mine.body.id}`,
      { recipients: [owner.memberId, colleague.memberId] },
      { headers: { 'if-match': '*' } },
    );
    expect(added.status, added.text).toBe(400);
    expect(added.body.errors[0].path).toBe('body.recipients.1');
  });

  it('leaves out, when mailing, a member who may no longer open the report', async () => {
    const [owner, colleague] = [
      await memberWithKey(tenant.api, 'sales'),
      await memberWithKey(tenant.api, 'sales'),
    ];
    const emailOf = async (id: string) => (await tenant.api.get(`/v1/members/${id}`)).body.email as string;
    const report = await owner.api.post('/v1/reports/custom', {
      name: 'Team pipeline',
      dataset: 'deals',
      measures: ['won'],
      visibility: 'tenant',
    });
    expect(report.status, report.text).toBe(201);
    const created = await owner.api.post('/v1/report-schedules', {
      ...schedule(
        { type: 'custom', customReportId: report.body.id },
        [owner.memberId, colleague.memberId],
        40,
      ),
      name: 'Team pipeline mail',
    });
    expect(created.status, created.text).toBe(201);
    const madePrivate = await owner.api.patch(
      `/v1/reports/custom/${report.body.id}`,
      { visibility: 'private' },
      { headers: { 'if-match': '*' } },
    );
    expect(madePrivate.status, madePrivate.text).toBe(200);
    await runtime.settle();

    await fireSchedulesAt(new Date(ahead(40).getTime() + 12 * 3_600_000));
    const subjects = async (id: string) =>
      (await mailsTo(await emailOf(id)))
        .map((m) => m.subject)
        .filter((s) => s.startsWith('Team pipeline mail'));
    expect(await subjects(owner.memberId)).toHaveLength(1);
    expect(await subjects(colleague.memberId)).toEqual([]);
  });
});
