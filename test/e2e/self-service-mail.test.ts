import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/** Sending contacts their self-service link (issue 19, item 7). */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;

interface StoredMail {
  destination: { to: string[] };
  subject: string;
  body: { text: string; html: string };
}

async function mailsTo(address: string): Promise<StoredMail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: StoredMail[] };
  return store.emails.filter((m) => m.destination.to.some((d) => d.toLowerCase().includes(address)));
}

function linkIn(text: string): string {
  const url = text.match(/https?:\/\/\S+\/v1\/self-service\/[\w.-]+/)?.[0];
  expect(url, text).toBeDefined();
  return url!;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  tenant = await signUpOverHttp(runtime);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('emailing a contact their self-service link', () => {
  it('sends one email in their language whose link opens their form, and refuses a second one soon after', async () => {
    const contact = (
      await tenant.api.post('/v1/contacts', {
        firstName: 'Marie',
        lastName: 'Curie',
        email: 'marie@self-mail.example',
        locale: 'fr-FR',
      })
    ).body;
    const sent = await tenant.api.post(`/v1/contacts/${contact.id}/self-service-link/email`);
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body).toMatchObject({ status: 'sent', to: 'marie@self-mail.example' });
    expect(Date.parse(sent.body.expiresAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const [mail, ...more] = await mailsTo('marie@self-mail.example');
    expect(more).toHaveLength(0);
    expect(mail!.subject).toContain('Vos coordonnées');
    const page = await fetch(linkIn(mail!.body.text));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="Curie"');

    // A double click (or a second member) within the quiet window sends nothing more.
    const again = await tenant.api.post(`/v1/contacts/${contact.id}/self-service-link/email`);
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:funnel:problem:conflict');
    expect(await mailsTo('marie@self-mail.example')).toHaveLength(1);
  });

  it('replays the first answer to a retry with the same Idempotency-Key', async () => {
    const contact = (
      await tenant.api.post('/v1/contacts', {
        firstName: 'Lise',
        lastName: 'Meitner',
        email: 'lise@self-mail.example',
      })
    ).body;
    const headers = { 'Idempotency-Key': `self-service-${contact.id}` };
    const first = await tenant.api.post(`/v1/contacts/${contact.id}/self-service-link/email`, undefined, {
      headers,
    });
    const retry = await tenant.api.post(`/v1/contacts/${contact.id}/self-service-link/email`, undefined, {
      headers,
    });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(await mailsTo('lise@self-mail.example')).toHaveLength(1);
  });

  it('answers 422 for a contact without an email address and 404 for an unknown contact', async () => {
    const contact = (await tenant.api.post('/v1/contacts', { firstName: 'No', lastName: 'Mail' })).body;
    const noEmail = await tenant.api.post(`/v1/contacts/${contact.id}/self-service-link/email`);
    expect(noEmail.status).toBe(422);
    expect(noEmail.body.errors[0].path).toBe('params.id');
    const unknown = await tenant.api.post('/v1/contacts/01J0000000000000000000000Z/self-service-link/email');
    expect(unknown.status).toBe(404);
  });
});

describe('the selfServiceLink merge field', () => {
  it('puts a working link for each recipient into a campaign email', async () => {
    const contact = (
      await tenant.api.post('/v1/contacts', {
        firstName: 'Emmy',
        lastName: 'Noether',
        email: 'emmy@self-mail.example',
        marketingConsent: { status: 'granted', source: 'signup form' },
      })
    ).body;
    await tenant.api.post('/v1/topics', { id: 'account-news', name: 'Account news' });
    const unknownField = await tenant.api.post('/v1/templates', {
      name: 'Typo',
      subject: 'Check',
      html: '<p>{{selfServiceLnk}}</p>',
      text: '{{selfServiceLnk}}',
    });
    expect(unknownField.status).toBe(400);
    const template = await tenant.api.post('/v1/templates', {
      name: 'Check your details',
      subject: 'Are your details right, {{firstName}}?',
      html: '<p><a href="{{selfServiceLink}}">Check them</a></p>',
      text: 'Check them here: {{selfServiceLink}}',
    });
    expect(template.status, template.text).toBe(201);
    const campaign = await tenant.api.post('/v1/campaigns', {
      name: 'Details check',
      audience: { contactIds: [contact.id] },
      topicId: 'account-news',
      templateId: template.body.id,
    });
    expect(campaign.status, campaign.text).toBe(201);
    const started = await tenant.api.post(`/v1/campaigns/${campaign.body.id}/send`);
    expect(started.status, started.text).toBe(200);
    await runtime.settle();

    const [mail] = await mailsTo('emmy@self-mail.example');
    expect(mail?.subject).toBe('Are your details right, Emmy?');
    const page = await fetch(linkIn(mail!.body.text));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="Noether"');
  });

  it('puts a working link into the emails of automation rules whose trigger brings a contact', async () => {
    const rule = await tenant.api.post('/v1/automation-rules', {
      name: 'Welcome with a details link',
      trigger: { type: 'event', event: 'ContactCreated' },
      actions: [
        {
          type: 'send_email',
          subject: 'Welcome, {{contact.firstName}}',
          text: 'Check your details: {{contact.selfServiceLink}}',
        },
      ],
    });
    expect(rule.status, rule.text).toBe(201);
    await runtime.settle();
    await tenant.api.post('/v1/contacts', {
      firstName: 'Rosalind',
      lastName: 'Franklin',
      email: 'rosalind@self-mail.example',
    });
    await runtime.settle();

    const [mail] = await mailsTo('rosalind@self-mail.example');
    expect(mail?.subject).toBe('Welcome, Rosalind');
    const page = await fetch(linkIn(mail!.body.text));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="Franklin"');
  });
});
