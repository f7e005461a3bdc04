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
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0, sesMaxSendRate: 200 });
  tenant = await signUpOverHttp(runtime);
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
    // Who bought what is derived from the orders on the table stream (docs/data-model.md), not in
    // the order's own write: the segment reads it once the stream has caught up.
    await runtime.settle();

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
    expect(await ok(api.get(`/v1/campaigns/${campaign.id}/recipients/${bouncer.id}`))).toMatchObject({
      state: 'bounced',
      messageId: to(sent, bouncer.email)[0]!.messageId,
    });
    expect((await api.get(`/v1/campaigns/${campaign.id}/recipients/${both.id}`)).status).toBe(404);
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
      { body: JSON.stringify({ phase: 'audience', ...replay, step: 0, position: { source: 0, part: 0 } }) },
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

  it('pauses itself when complaints pass 0.3%, alerts the admins, and sends the rest once resumed', async () => {
    const tag = `wave-${unique}`;
    const rows = Array.from({ length: 200 }, (_, i) =>
      i % 20 === 7
        ? `Cora,C${i},complaint+${unique}-${i}@simulator.amazonses.com,yes,${tag}`
        : `Olly,O${i},olly-${unique}-${i}@example.com,yes,${tag}`,
    );
    const imported = await api.request('POST', '/v1/imports', undefined, {
      raw: `First Name,Last Name,Email,Consent,Tags\n${rows.join('\n')}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status, imported.text).toBe(202);
    await runtime.settle();
    expect((await ok(api.get(`/v1/imports/${imported.body.id}`))).created).toBe(200);

    await ok(api.post('/v1/topics', { id: 'deals', name: 'Deals' }), 201);
    const template = await ok(
      api.post('/v1/templates', { name: 'Deals', subject: 'Deals', html: '<p>Deals</p>', text: 'Deals' }),
      201,
    );
    const segment = await ok(
      api.post('/v1/segments', { name: 'Wave', conditions: [{ type: 'tag', tag }] }),
      201,
    );
    const campaign = await ok(
      api.post('/v1/campaigns', {
        name: 'Deals of the week',
        audience: { segments: [segment.id] },
        topicId: 'deals',
        templateId: template.id,
      }),
      201,
    );
    await ok(api.post(`/v1/campaigns/${campaign.id}/send`));
    await runtime.settle();

    const paused = await ok(api.get(`/v1/campaigns/${campaign.id}`));
    expect(paused.status).toBe('paused');
    expect(paused.pausedReason).toMatch(/^The complaint rate reached \d+\.\d+% \(limit 0\.3%\)\.$/);
    const halfway = await ok(api.get(`/v1/campaigns/${campaign.id}/stats`));
    expect(halfway.counts.sent).toBeGreaterThanOrEqual(100);
    expect(halfway.counts.queued).toBeGreaterThan(0);
    const edit = await api.patch(`/v1/campaigns/${campaign.id}`, { name: 'Renamed' });
    expect(edit.status, edit.text).toBe(409);

    const admin = await ok(api.get(`/v1/members/${tenant.adminId}`));
    const alerts = to(await mails(), admin.email).filter((m) => m.subject.startsWith('Sending paused'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.body.text).toContain(paused.pausedReason);

    // The marketer removes the addresses that complain, then resumes.
    for (const row of rows.filter((r) => r.startsWith('Cora')))
      await ok(api.post('/v1/suppressions', { email: row.split(',')[2] }), 201);
    await ok(api.post(`/v1/campaigns/${campaign.id}/resume`));
    await runtime.settle();
    const done = await ok(api.get(`/v1/campaigns/${campaign.id}/stats`));
    expect(done.status).toBe('sent');
    expect(done.counts.recipients).toBe(200);
    expect(done.counts.sent + done.counts.skipped).toBe(200);
    expect(done.counts.queued).toBe(0);
    const all = await mails();
    for (const row of rows) expect(to(all, row.split(',')[2]!).length).toBeLessThanOrEqual(1);
    expect(all.filter((m) => m.subject === 'Deals')).toHaveLength(done.counts.sent);
  }, 90_000);

  it('sends each weekly newsletter edition from its schedule, each with its own statistics', async () => {
    const list = await ok(api.post('/v1/lists', { name: 'Weekly readers' }), 201);
    const reader = await contact('Rita', `rita-${unique}@example.com`, 'granted');
    await ok(api.post(`/v1/lists/${list.id}/members`, { contactIds: [reader.id] }));
    await ok(api.post('/v1/topics', { id: 'weekly', name: 'The weekly' }), 201);
    const template = await ok(
      api.post('/v1/templates', {
        name: 'Weekly',
        subject: 'This week at {{tenant.name}}',
        html: '<p>News</p>',
        text: 'News',
      }),
      201,
    );
    const newsletter = await ok(
      api.post('/v1/newsletters', {
        name: 'The weekly',
        schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO', startsAt: '2026-01-05T09:00', timeZone: 'Europe/Paris' },
        audience: { lists: [list.id] },
        topicId: 'weekly',
        templateId: template.id,
      }),
      201,
    );
    await runtime.settle();
    const name = `newsletter-edition-${newsletter.id}-${newsletter.nextEdition.replace(/[-:T]/g, '')}`;
    expect(runtime.scheduler.list().find((s) => s.name === name)).toMatchObject({ timezone: 'Europe/Paris' });
    await runtime.scheduler.runNow(name);
    await runtime.settle();

    const runs = await ok(api.get(`/v1/newsletters/${newsletter.id}/runs`));
    expect(runs.items).toEqual([
      expect.objectContaining({ occurrence: newsletter.nextEdition, outcome: 'sent' }),
    ]);
    const editionId = runs.items[0].campaignId;
    expect(await ok(api.get(`/v1/campaigns/${editionId}/stats`))).toMatchObject({
      status: 'sent',
      counts: { recipients: 1, sent: 1, delivered: 1 },
    });
    expect(to(await mails(), reader.email).map((m) => m.subject)).toEqual([
      expect.stringMatching(/^This week at Acme /),
    ]);
    const after = await ok(api.get(`/v1/newsletters/${newsletter.id}`));
    expect(after.nextEdition > newsletter.nextEdition).toBe(true);
    const names = runtime.scheduler.list().map((s) => s.name);
    expect(names).not.toContain(name);
    expect(names).toContain(`newsletter-edition-${newsletter.id}-${after.nextEdition.replace(/[-:T]/g, '')}`);
  });

  it('lets a contact choose topics on the preference page, or stop all marketing email', async () => {
    const reader = to(await mails(), `rita-${unique}@example.com`)[0]!;
    const preferences = /Choose what you receive: (\S+)/.exec(reader.body.text)![1]!;
    const form = await fetch(preferences);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('name="topic" value="weekly" checked');
    expect(html).toContain('name="topic" value="deals"');

    const save = (body: string) =>
      fetch(preferences, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const saved = await save('topic=deals');
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Your choices are saved.');
    const rita = (await ok(api.get(`/v1/contacts?email=rita-${unique}@example.com`))).items[0];
    const subscriptions = await ok(api.get(`/v1/contacts/${rita.id}/subscriptions`));
    const status = Object.fromEntries(
      subscriptions.items.map((s: { topicId: string; status: string }) => [s.topicId, s.status]),
    );
    expect(status).toMatchObject({ weekly: 'unsubscribed', deals: 'subscribed' });

    await save('all=stop');
    expect((await ok(api.get(`/v1/contacts/${rita.id}`))).marketingConsent).toMatchObject({
      status: 'denied',
      source: 'preference page',
    });
  });

  it('answers bad input with 400 naming the problem', async () => {
    const template = await api.post('/v1/templates', {
      name: 'Broken',
      subject: 'Hi',
      html: '<p>{{frist_name}}</p>',
      text: 'Hi',
    });
    expect(template.status).toBe(400);
    expect(template.body.errors[0].path).toBe('body.html');
    const campaigns = await ok(api.get('/v1/campaigns?status=sent'));
    const draft = await ok(
      api.post('/v1/campaigns', {
        name: 'Later',
        audience: campaigns.items[0].audience,
        topicId: 'product-news',
        templateId: campaigns.items[0].templateId,
      }),
      201,
    );
    const zone = await api.post(`/v1/campaigns/${draft.id}/schedule`, {
      sendAt: '2031-01-01T09:00',
      timeZone: 'Europe/Atlantis',
    });
    expect(zone.status).toBe(400);
    expect(zone.body.errors).toEqual([
      { path: 'body.timeZone', message: expect.stringMatching(/IANA time zone/) },
    ]);
    const past = await api.post(`/v1/campaigns/${draft.id}/schedule`, { sendAt: '2020-01-01T09:00' });
    expect(past.status).toBe(400);
    expect(past.body.errors[0].path).toBe('body.sendAt');
  });
});
