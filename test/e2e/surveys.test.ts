import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
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

async function contact(firstName: string, extra: Record<string, unknown> = {}) {
  const response = await tenant.api.post('/v1/contacts', {
    firstName,
    lastName: 'Tester',
    email: `${firstName.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}@customers.example`,
    ownerId: owner.memberId,
    lifecycleStage: 'customer',
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
  tenant = await signUpOverHttp(runtime.urls.api);
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
    expect(tasks.body.items[0]).toMatchObject({
      assigneeId: owner.memberId,
      title: 'Call Ada Tester about their survey answer',
    });
    const timeline = await tenant.api.get(`/v1/contacts/${ada.id}/timeline`);
    expect(timeline.body.items.map((e: { kind: string }) => e.kind)).toContain('survey_response');
  });
});
