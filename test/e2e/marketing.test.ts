import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { localDateTime } from '../../shared/tasks/recurrence.ts';
import type { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Email marketing end to end through the local runtime: a segment of customers who bought product
 * A but not B receives a scheduled campaign; each email carries working one-click unsubscribe
 * headers; a one-click POST removes the contact from later sends; the bounce address ends up
 * suppressed; and re-running any part of the send produces no second email.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let api: Api;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0, sesMaxSendRate: 50 });
  tenant = await signUpOverHttp(runtime.urls.api);
  api = tenant.api;
});

afterAll(async () => {
  await runtime?.stop();
});

interface StoredMail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { text: string; html: string };
  headers?: Array<{ name: string; value: string }>;
}

async function mails(): Promise<StoredMail[]> {
  const store = (await (await fetch(`${runtime.urls.mailViewer}/store`)).json()) as { emails: StoredMail[] };
  return store.emails;
}

const to = (list: StoredMail[], address: string) =>
  list.filter((m) => m.destination.to.some((d) => d.toLowerCase().includes(address.toLowerCase())));

async function ok<T = any>(response: Promise<{ status: number; body: T; text: string }>, status = 200) {
  const r = await response;
  expect(r.status, r.text).toBe(status);
  return r.body;
}

const unique = Date.now().toString(36);

async function contact(firstName: string, email: string, consent: 'granted' | 'denied') {
  return ok(
    api.post('/v1/contacts', {
      firstName,
      lastName: 'Buyer',
      email,
      lifecycleStage: 'customer',
      marketingConsent: { status: consent, source: 'checkout form' },
    }),
    201,
  );
}

async function product(sku: string) {
  return ok(
    api.post('/v1/products', {
      sku: `${sku}-${unique}`,
      name: `Product ${sku}`,
      prices: [{ currency: 'EUR', unitAmount: 1000 }],
      trackStock: false,
    }),
    201,
  );
}

async function buy(contactId: string, ...productIds: string[]) {
  await ok(
    api.post('/v1/orders', { contactId, lines: productIds.map((productId) => ({ productId, quantity: 1 })) }),
    201,
  );
}

describe('email marketing', () => {
  it('sends a scheduled campaign to those who bought A but not B, once, with one-click unsubscribe', async () => {
    const [a, b] = [await product('A'), await product('B')];
    const ann = await contact('Ann', `ann-${unique}@example.com`, 'granted');
    const both = await contact('Bob', `bob-${unique}@example.com`, 'granted');
    const denied = await contact('Dan', `dan-${unique}@example.com`, 'denied');
    const bouncer = await contact('Bea', `bounce+${unique}@simulator.amazonses.com`, 'granted');
    await buy(ann.id, a.id);
    await buy(both.id, a.id, b.id);
    await buy(denied.id, a.id);
    await buy(bouncer.id, a.id);

    await ok(api.post('/v1/topics', { id: 'product-news', name: 'Product news' }), 201);
    const template = await ok(
      api.post('/v1/templates', {
        name: 'Cross-sell B',
        subject: 'Hello {{firstName | "there"}}, meet B',
        html: '<p>Hi {{firstName | "there"}}, you liked A: you will love B.</p>',
        text: 'Hi {{firstName | "there"}}, you liked A: you will love B.',
      }),
      201,
    );
    const segment = await ok(
      api.post('/v1/segments', {
        name: 'A without B',
        conditions: [
          { type: 'bought', productId: a.id },
          { type: 'not_bought', productId: b.id },
        ],
      }),
      201,
    );
    const preview = await ok(api.get(`/v1/segments/${segment.id}/preview`));
    expect(preview).toMatchObject({ count: 3, exact: true });
    expect(preview.sample.map((m: { id: string }) => m.id).sort()).toEqual(
      [ann.id, denied.id, bouncer.id].sort(),
    );

    const campaign = await ok(
      api.post('/v1/campaigns', {
        name: 'Meet B',
        audience: { segments: [segment.id] },
        topicId: 'product-news',
        templateId: template.id,
      }),
      201,
    );
    const sendAt = localDateTime(new Date(Date.now() + 3_600_000), 'Europe/Paris');
    const scheduled = await ok(api.post(`/v1/campaigns/${campaign.id}/schedule`, { sendAt }));
    expect(scheduled).toMatchObject({ status: 'scheduled', sendAt, timeZone: 'Europe/Paris' });
    await runtime.settle();
    const schedule = runtime.scheduler.list().find((s) => s.name === `campaign-send-${campaign.id}`);
    expect(schedule?.expression).toBe(`at(${sendAt}:00)`);

    const before = (await mails()).length;
    await runtime.scheduler.runNow(schedule!.name);
    await runtime.settle();
    const sent = (await mails()).slice(before);
    expect(sent).toHaveLength(2);
    expect(to(sent, ann.email)).toHaveLength(1);
    expect(to(sent, bouncer.email)).toHaveLength(1);

    const mail = to(sent, ann.email)[0]!;
    expect(mail.subject).toBe('Hello Ann, meet B');
    expect(mail.body.text).toContain('1 Rue de la Paix');
    const header = (name: string) =>
      mail.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = header('List-Unsubscribe')!;
    const [url = '', mailto] = [...listUnsubscribe.matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
    expect(url).toMatch(new RegExp(`^${runtime.urls.api}/v1/unsubscribe/`));
    expect(mailto).toMatch(/^mailto:/);

    const stats = await ok(api.get(`/v1/campaigns/${campaign.id}/stats`));
    expect(stats).toMatchObject({
      status: 'sent',
      counts: { recipients: 2, sent: 2, delivered: 1, bounced: 1, queued: 0, failed: 0 },
    });
    expect((await ok(api.get(`/v1/campaigns/${campaign.id}`))).status).toBe('sent');
    const suppressions = await ok(api.get('/v1/suppressions'));
    expect(suppressions.items).toContainEqual(
      expect.objectContaining({ email: bouncer.email, reason: 'hard_bounce' }),
    );

    // RFC 8058: mail clients POST List-Unsubscribe=One-Click to the URL, with no login.
    const oneClick = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('You are unsubscribed');
    const subscriptions = await ok(api.get(`/v1/contacts/${ann.id}/subscriptions`));
    expect(subscriptions.items).toContainEqual(
      expect.objectContaining({ topicId: 'product-news', status: 'unsubscribed', receives: false }),
    );
    await runtime.settle();
    expect((await ok(api.get(`/v1/campaigns/${campaign.id}/stats`))).counts.unsubscribed).toBe(1);

    // Re-running every part of the send: the schedule's job, the planner, a sender batch.
    const count = (await mails()).length;
    await runtime.lambda.invoke('marketing-jobs', {
      schedule: 'campaign-send',
      tenantId: tenant.tenantId,
      payload: { campaignId: campaign.id, scheduledFor: scheduled.scheduledFor },
    });
    const replay = { tenantId: tenant.tenantId, mailingId: campaign.id };
    await runtime.queues.send('mailing-plan', [
      { body: JSON.stringify({ phase: 'audience', ...replay, generation: 0, step: 0 }) },
    ]);
    await runtime.queues.send('mailing-sends', [
      { body: JSON.stringify({ ...replay, contactIds: [ann.id, bouncer.id, both.id] }) },
    ]);
    await runtime.settle();
    expect((await mails()).length).toBe(count);

    // A later campaign to the same segment: the unsubscribed and the suppressed receive nothing.
    const later = await ok(
      api.post('/v1/campaigns', {
        name: 'Meet B again',
        audience: { segments: [segment.id] },
        topicId: 'product-news',
        templateId: template.id,
      }),
      201,
    );
    const refused = await api.post(`/v1/campaigns/${later.id}/send`);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.errors[0].path).toBe('audience');
    expect(refused.body.errors[0].message).toMatch(/not subscribed|suppression|consented/);
    expect((await mails()).length).toBe(count);
  });
});
