import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { localDateTime } from '../../shared/tasks/recurrence.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Surveys through the local runtime: HTTP, the outbox relay, the bus, the scheduler, the sending
 * pipeline and the SES emulator, as a tenant uses them.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let owner: { memberId: string; api: Api };

const questions = [
  { id: 'recommend', type: 'nps', text: 'How likely are you to recommend us to a friend?' },
  { id: 'support', type: 'csat', text: 'How satisfied are you with our support?' },
  {
    id: 'reach',
    type: 'single_choice',
    text: 'How do you usually reach us?',
    required: false,
    choices: [
      { id: 'phone', label: 'Phone' },
      { id: 'email', label: 'Email' },
    ],
  },
  { id: 'improve', type: 'text', text: 'What should we improve?', required: false, maxLength: 300 },
];

interface Mail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

async function mailsTo(address: string): Promise<Mail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: Mail[] };
  return store.emails.filter((m) => m.destination.to.some((to) => to.includes(address)));
}

const linkIn = (mail: Mail) => /https?:\/\/\S+\/v1\/survey-forms\/[\w.-]+/.exec(mail.body.text ?? '')?.[0];

async function contact(firstName: string, extra: Record<string, unknown> = {}) {
  const response = await tenant.api.post('/v1/contacts', {
    firstName,
    lastName: 'Tester',
    email: `${firstName.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}@customers.example`,
    ownerId: owner.memberId,
    lifecycleStage: 'customer',
    marketingConsent: { status: 'granted', source: 'signup form' },
    addresses: [
      { type: 'home', lines: ['2 Main Street'], city: 'Springfield', postalCode: '12345', country: 'US' },
    ],
    ...extra,
  });
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string; email: string; firstName: string };
}

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime);
  owner = await memberWithKey(tenant.api, 'sales');
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a survey on paper', () => {
  it('prints letters with codes; answers typed in count in the results and call the owner of a detractor', async () => {
    const rule = await tenant.api.post('/v1/automation-rules/from-template', { template: 'detractor-call' });
    expect(rule.status, rule.text).toBe(201);
    const created = await tenant.api.post('/v1/surveys', { title: 'Our service, on paper', questions });
    expect(created.status, created.text).toBe(201);
    const survey = created.body;
    const activated = await tenant.api.patch(
      `/v1/surveys/${survey.id}`,
      { status: 'active' },
      { headers: { 'if-match': created.headers.get('etag')! } },
    );
    expect(activated.status, activated.text).toBe(200);
    const [ada, bob] = [await contact('Ada'), await contact('Bob')];
    const batch = await tenant.api.post(`/v1/surveys/${survey.id}/paper-waves`, {
      contactIds: [ada.id, bob.id],
    });
    expect(batch.status, batch.text).toBe(201);
    const print = await tenant.api.get(new URL(batch.body.printUrl).pathname);
    expect(print.status).toBe(200);
    expect(print.headers.get('content-type')).toContain('text/html');
    const codeOf = (id: string) =>
      batch.body.invitations.find((i: { contactId: string }) => i.contactId === id).code;
    expect(print.text).toContain(codeOf(ada.id));

    const bad = await tenant.api.post('/v1/survey-responses', {
      code: codeOf(ada.id),
      answers: { recommend: 12, reach: 'fax', improve: 'x'.repeat(301) },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.answers.recommend', message: 'Choose a whole number from 0 to 10.' },
        { path: 'body.answers.support', message: 'This question needs an answer.' },
        { path: 'body.answers.reach', message: 'Choose one of: Phone, Email.' },
        { path: 'body.answers.improve', message: 'Keep your answer to 300 characters (it has 301).' },
      ]),
    );
    const typed = await tenant.api.post('/v1/survey-responses', {
      code: codeOf(ada.id),
      answers: { recommend: 3, support: 2, improve: 'Answer the phone.' },
    });
    expect(typed.status, typed.text).toBe(201);
    expect(
      (
        await tenant.api.post('/v1/survey-responses', {
          code: codeOf(ada.id),
          answers: { recommend: 9, support: 5 },
        })
      ).status,
    ).toBe(409);
    await runtime.settle();

    const results = await tenant.api.get(`/v1/surveys/${survey.id}/results`);
    expect(results.status, results.text).toBe(200);
    expect(results.body.overall).toMatchObject({
      invited: 2,
      responses: 1,
      responseRate: 50,
      nps: { score: -100, detractors: 1 },
      csat: { average: 2 },
    });
    const tasks = await owner.api.get(`/v1/tasks?linkType=survey_response&linkId=${typed.body.id}`);
    expect(tasks.body.items).toHaveLength(1);
    // Listed whoever they are assigned to: an assignee filter here would be ignored, so it is refused.
    const narrowed = await owner.api.get(
      `/v1/tasks?linkType=survey_response&linkId=${typed.body.id}&assigneeId=${owner.memberId}`,
    );
    expect(narrowed.status).toBe(400);
    expect(narrowed.body.errors[0].path).toBe('query.assigneeId');
    expect(tasks.body.items[0]).toMatchObject({
      assigneeId: owner.memberId,
      title: 'Call Ada Tester about their survey answer',
    });
    const timeline = await tenant.api.get(`/v1/contacts/${ada.id}/timeline`);
    expect(timeline.body.items.map((e: { kind: string }) => e.kind)).toContain('survey_response');
  });
});

/** Debian's chromium, driven by playwright-core; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

describe('a quarterly survey mailed to a segment', () => {
  const links = new Map<string, string>();
  let surveyId: string;
  let ada: { id: string; email: string };
  let bob: { id: string; email: string };

  it('reaches each consenting, sampled recipient once, through the sending pipeline', async () => {
    const api = tenant.api;
    expect((await api.post('/v1/topics', { id: 'satisfaction', name: 'Satisfaction surveys' })).status).toBe(
      201,
    );
    const segment = await api.post('/v1/segments', {
      name: 'Customers',
      conditions: [{ type: 'tag', tag: 'surveyed-segment' }],
    });
    expect(segment.status, segment.text).toBe(201);
    const list = await api.post('/v1/lists', { name: 'Key accounts' });
    const tagged = { tags: ['surveyed-segment'] };
    ada = await contact('Ada', tagged);
    bob = await contact('Bob', tagged);
    const denied = await contact('Cy', { ...tagged, marketingConsent: { status: 'denied', source: 'call' } });
    const suppressed = await contact('Dee', tagged);
    const lettered = await contact('Eve', tagged);
    await api.post('/v1/suppressions', { email: suppressed.email });
    // Bob is in the list and the segment: he still gets one invitation.
    await api.post(`/v1/lists/${list.body.id}/members`, { contactIds: [bob.id] });

    const created = await api.post('/v1/surveys', {
      title: 'How are we doing?',
      intro: 'Four questions, two minutes.',
      questions,
      audience: { segments: [segment.body.id], lists: [list.body.id] },
      topicId: 'satisfaction',
      sampling: { skipIfSurveyedWithinDays: 60 },
      schedule: {
        startsAt: localDateTime(new Date(Date.now() + 3_600_000), 'Europe/Paris'),
        rrule: 'FREQ=MONTHLY;INTERVAL=3',
      },
    });
    expect(created.status, created.text).toBe(201);
    surveyId = created.body.id;
    expect((await api.patch(`/v1/surveys/${surveyId}`, { status: 'active' })).status).toBe(200);
    // Eve got a paper letter this month: the sampling rule leaves her out of the email wave.
    expect(
      (await api.post(`/v1/surveys/${surveyId}/paper-waves`, { contactIds: [lettered.id] })).status,
    ).toBe(201);
    await runtime.settle();

    const schedule = runtime.scheduler.list().find((s) => s.name.startsWith(`survey-wave-${surveyId}-`));
    expect(schedule, 'the pending wave has a one-time schedule').toBeDefined();
    await runtime.scheduler.runNow(schedule!.name);
    await runtime.settle();
    // The same firing delivered again (Scheduler retries) starts nothing and mails nobody twice.
    await runtime.lambda.invoke('surveys-jobs', schedule!.input);
    await runtime.settle();

    for (const person of [ada, bob]) {
      const mails = await mailsTo(person.email);
      expect(mails, person.email).toHaveLength(1);
      expect(mails[0]!.subject).toBe('How are we doing?');
      links.set(person.id, linkIn(mails[0]!)!);
    }
    for (const person of [denied, suppressed, lettered]) expect(await mailsTo(person.email)).toHaveLength(0);
    expect(new Set(links.values()).size).toBe(2);

    const waves = (await api.get(`/v1/surveys/${surveyId}/waves`)).body.items;
    const email = waves.find((w: { channel: string }) => w.channel === 'email');
    expect(email).toMatchObject({ mailingStatus: 'sent', invited: 2, revision: 1 });
    const next = runtime.scheduler.list().filter((s) => s.name.startsWith(`survey-wave-${surveyId}-`));
    expect(next.map((s) => s.name)).not.toContain(schedule!.name);
    expect(next).toHaveLength(1);
  });

  it('takes an answer posted as a browser posts a form: problems next to their questions, then a call task for a detractor', async () => {
    const link = links.get(ada.id)!;
    const form = await fetch(link);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toContain('text/html');
    expect(await form.text()).toContain('<form method="post">');
    const post = (body: string) =>
      fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

    const invalid = await post('recommend=11&reach=fax&improve=Call+me+back');
    expect(invalid.status).toBe(400);
    const page = await invalid.text();
    expect(page).toContain('<p class="error" id="error-recommend">Choose a whole number from 0 to 10.</p>');
    expect(page).toContain('<p class="error" id="error-support">This question needs an answer.</p>');
    expect(page).toContain('<p class="error" id="error-reach">Choose one of: Phone, Email.</p>');
    expect(page).toContain('>Call me back</textarea>');

    const answered = await post('recommend=2&support=1&reach=phone&improve=Nobody+called+me+back.');
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('Thank you!');
    const again = await post('recommend=10&support=5');
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('You have already answered');
    await runtime.settle();

    const responses = (await tenant.api.get(`/v1/surveys/${surveyId}/responses`)).body.items;
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({
      channel: 'web',
      nps: 2,
      csat: 1,
      contact: { id: ada.id, firstName: 'Ada' },
    });
    const tasks = (await owner.api.get(`/v1/tasks?linkType=survey_response&linkId=${responses[0].id}`)).body
      .items;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      assigneeId: owner.memberId,
      title: 'Call Ada Tester about their survey answer',
      priority: 'high',
      links: expect.arrayContaining([
        { type: 'contact', id: ada.id },
        { type: 'survey_response', id: responses[0].id },
      ]),
    });
    expect(tasks[0].checklist.map((c: { text: string }) => c.text)).toContain('What disappointed you most?');

    const results = (await tenant.api.get(`/v1/surveys/${surveyId}/results`)).body;
    const wave = results.waves.find((w: { channel: string }) => w.channel === 'email');
    expect(wave.scores).toMatchObject({
      invited: 2,
      responses: 1,
      responseRate: 50,
      nps: { score: -100, promoters: 0, detractors: 1, answered: 1 },
      csat: { average: 1, answered: 1 },
    });
    const csv = await tenant.api.get(`/v1/surveys/${surveyId}/responses/export`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toContain('Nobody called me back.');
  });

  it.skipIf(!hasChromium)(
    `is answered in a real browser with JavaScript off (needs Debian's chromium at ${CHROMIUM}; skipped without it)`,
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-background-networking'],
      });
      try {
        const context = await browser.newContext({
          javaScriptEnabled: false,
          viewport: { width: 390, height: 844 },
        });
        const page = await context.newPage();
        await page.goto(links.get(bob.id)!);
        await page.getByRole('radio', { name: '9', exact: true }).check();
        await page.getByRole('radio', { name: '5: Very satisfied' }).check();
        await page.getByRole('radio', { name: 'Email' }).check();
        await page.getByLabel('What should we improve?').fill('Keep it up.');
        await page.getByRole('button', { name: 'Send my answers' }).click();
        await expect(page.getByRole('heading', { name: 'Thank you!' }).isVisible()).resolves.toBe(true);
      } finally {
        await browser.close();
      }
      await runtime.settle();
      const results = (await tenant.api.get(`/v1/surveys/${surveyId}/results`)).body;
      const wave = results.waves.find((w: { channel: string }) => w.channel === 'email');
      expect(wave.scores).toMatchObject({ responses: 2, nps: { score: 0, promoters: 1, detractors: 1 } });
    },
  );
});
