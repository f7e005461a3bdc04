import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { signTenantLink } from '../../shared/tenancy/link-keys.ts';
import { getTenant } from '../../shared/tenancy/records.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * The links a person follows from an email, used as people use them: a form posted with every
 * box unticked, text pasted from a word processor, a link mailed before their record was merged,
 * a mail client posting the one-click unsubscribe several times at once.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime);
  const topic = await tenant.api.post('/v1/topics', { id: 'news', name: 'News' });
  expect(topic.status, topic.text).toBe(201);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

async function person(extra: Record<string, unknown> = {}): Promise<string> {
  const created = await tenant.api.post('/v1/contacts', {
    firstName: 'Pat',
    lastName: 'Reader',
    email: `${Math.random().toString(36).slice(2, 10)}@customers.example`,
    marketingConsent: { status: 'granted', source: 'signup form' },
    ...extra,
  });
  expect(created.status, created.text).toBe(201);
  return created.body.id;
}

/** The link the product mails the contact for `purpose` (signed with the tenant's link key). */
async function linkFor(purpose: 'unsubscribe' | 'preferences', contactId: string): Promise<string> {
  const record = await getTenant(
    tenantContext({ tenantId: asTenantId(tenant.tenantId), actor: { type: 'system', process: 'test' } }),
  );
  const token = await signTenantLink(record, purpose, {
    s: contactId,
    ...(purpose === 'unsubscribe' ? { x: { p: 'news' } } : {}),
  });
  return new URL(`/v1/${purpose}/${token}`, runtime.urls.api).toString();
}

const postForm = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

async function newsStatus(contactId: string): Promise<string | undefined> {
  const subscriptions = await tenant.api.get(`/v1/contacts/${contactId}/subscriptions`);
  expect(subscriptions.status, subscriptions.text).toBe(200);
  return subscriptions.body.items.find((s: { topicId: string }) => s.topicId === 'news')?.status;
}

describe('the preference form', () => {
  it('saves the choice when every box is unticked, which posts an empty body', async () => {
    const contactId = await person();
    expect(await newsStatus(contactId)).toBe('subscribed');
    const saved = await postForm(await linkFor('preferences', contactId), '');
    expect(saved.status, await saved.text()).toBe(200);
    expect(await newsStatus(contactId)).toBe('unsubscribed');
  });
});

describe('a one-click unsubscribe', () => {
  it('mailed before a merge unsubscribes the contact the person became', async () => {
    const duplicate = await person();
    const kept = await person({ email: undefined });
    const link = await linkFor('unsubscribe', duplicate);
    const merge = await tenant.api.post(`/v1/contacts/${kept}/merge`, { duplicateId: duplicate });
    expect(merge.status, merge.text).toBe(202);
    await runtime.settle();
    expect(await newsStatus(kept)).toBe('subscribed');

    const unsubscribed = await postForm(link, 'List-Unsubscribe=One-Click');
    expect(unsubscribed.status).toBe(200);
    expect(await newsStatus(kept)).toBe('unsubscribed');
  });

  it('posted six times at once is recorded once', async () => {
    const contactId = await person();
    const link = await linkFor('unsubscribe', contactId);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => postForm(link, 'List-Unsubscribe=One-Click')),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await runtime.settle();
    const timeline = await tenant.api.get(`/v1/contacts/${contactId}/timeline`);
    expect(
      timeline.body.items.filter((e: { title: string }) => e.title === 'Unsubscribed from topic news'),
    ).toHaveLength(1);
  });
});

describe('the self-service form', () => {
  async function selfServiceLink(contactId: string): Promise<string> {
    const link = await tenant.api.post(`/v1/contacts/${contactId}/self-service-link`);
    expect(link.status, link.text).toBe(201);
    return link.body.url;
  }

  it('keeps what was pasted with control characters, cleaned, instead of refusing the form', async () => {
    const contactId = await person();
    const saved = await postForm(
      await selfServiceLink(contactId),
      'firstName=Pat&lastName=Reader&city=Spring%0Bfield&line1=1%20Main%20St%0DApt%202&country=FR',
    );
    expect(saved.status, await saved.text()).toBe(200);
    const contact = await tenant.api.get(`/v1/contacts/${contactId}`);
    expect(contact.body.addresses[0]).toMatchObject({ city: 'Spring\nfield', lines: ['1 Main St\nApt 2'] });
  });

  it('says a field is too long, not that it is empty', async () => {
    const contactId = await person();
    const refused = await postForm(
      await selfServiceLink(contactId),
      `firstName=${'A'.repeat(5000)}&lastName=Reader`,
    );
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('This is too long');
    expect(html).not.toContain('This cannot be empty');
  });
});

describe('the satisfaction survey of solved cases', () => {
  /** A CSAT survey sampled once a month, asked for by solved cases; its id. */
  async function caseSurvey(title: string): Promise<string> {
    const survey = await tenant.api.post('/v1/surveys', {
      title,
      questions: [{ id: 'support', type: 'csat', text: 'Satisfied?' }],
      sampling: { skipIfSurveyedWithinDays: 30 },
    });
    expect(survey.status, survey.text).toBe(201);
    expect((await tenant.api.patch(`/v1/surveys/${survey.body.id}`, { status: 'active' })).status).toBe(200);
    const settings = await tenant.api.put('/v1/case-settings', {
      week: { '1': { opens: '09:00', closes: '17:00' } },
      holidays: [],
      csatSurveyId: survey.body.id,
    });
    expect(settings.status, settings.text).toBe(200);
    return survey.body.id;
  }

  async function openCase(email: string, subject: string): Promise<string> {
    const opened = await tenant.api.post('/v1/cases', {
      subject,
      text: 'Help',
      channel: 'phone',
      requesterEmail: email,
      requesterName: 'Sam Pler',
    });
    expect(opened.status, opened.text).toBe(201);
    return opened.body.id;
  }

  const solve = async (caseId: string) => {
    const solved = await tenant.api.patch(`/v1/cases/${caseId}`, { status: 'solved' });
    expect(solved.status, solved.text).toBe(200);
  };

  async function invitationsTo(email: string, title: string) {
    const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as {
      emails: Array<{ subject: string; destination: { to: string[] } }>;
    };
    return store.emails.filter(
      (m) => m.subject === title && m.destination.to.some((to) => to.includes(email)),
    );
  }

  const requester = () => `requester-${Math.random().toString(36).slice(2, 10)}@customers.example`;

  it("follows the survey's sampling: one email to a requester whose two cases were solved", async () => {
    await caseSurvey('How did we do?');
    const email = requester();
    for (const subject of ['Broken login', 'Wrong invoice']) {
      const caseId = await openCase(email, subject);
      await runtime.settle();
      await solve(caseId);
      await runtime.settle();
    }
    expect(await invitationsTo(email, 'How did we do?')).toHaveLength(1);
  });

  it('sends one email too when the two cases are solved at once', async () => {
    await caseSurvey('How did we do together?');
    const email = requester();
    const cases = [await openCase(email, 'First'), await openCase(email, 'Second')];
    await runtime.settle();
    await Promise.all(cases.map(solve));
    await runtime.settle();
    expect(await invitationsTo(email, 'How did we do together?')).toHaveLength(1);
  });
});
