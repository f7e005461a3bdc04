import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { WebhookReceiver } from '../../support/webhook-receiver.ts';

// This file's receiver listens on 127.0.0.1 over http, as the local runtime allows when told to.
vi.hoisted(() => {
  process.env.WEBHOOK_ALLOW_HTTP = 'true';
  process.env.WEBHOOK_ALLOW_LOOPBACK = 'true';
});

const { alertAdmins } = await import('../../../shared/webhooks/alerts.ts');
const { runAttempt, DISABLE_AFTER_MS } = await import('../../../shared/webhooks/attempts.ts');
const { findDelivery, recordDelivery, attemptsOf } = await import('../../../shared/webhooks/deliveries.ts');
const { createEndpoint } = await import('../../../shared/webhooks/endpoints.ts');
const { findEndpoint } = await import('../../../shared/webhooks/records.ts');
const { useTable } = await import('../../support/table.ts');
const { newTenant } = await import('../../support/tenants.ts');

let receiver: WebhookReceiver;

beforeAll(async () => {
  await useTable();
  receiver = await new WebhookReceiver().start();
});

afterAll(() => receiver.stop());

const DAY = 86_400_000;

async function mailsTo(email: string) {
  const store = (await (await fetch(`${inject('sesEndpoint')}/store`)).json()) as {
    emails: Array<{ subject: string; destination: { to: string[] }; body: { text: string } }>;
  };
  return store.emails.filter((m) => m.destination.to.includes(email));
}

describe('a webhook endpoint that keeps failing', () => {
  it('is disabled once every attempt has failed for five days, its deliveries then skipped, and each admin emailed once', async () => {
    const tenant = await newTenant();
    const start = new Date(Date.now() + DAY);
    const at = (offset: number) =>
      tenant.as(
        { type: 'system', process: 'webhooks-worker' },
        fixedClock(new Date(start.getTime() + offset)),
      );
    const endpoint = await createEndpoint(tenant.ctx, {
      url: receiver.url,
      description: 'Shop sync',
      events: [{ type: 'InvoicePaid', conditions: [] }],
    });
    const message = await recordDelivery(
      at(0),
      endpoint.id,
      {
        eventId: '01JD8Y09ZZ8X7W6V5T4S3R2Q1P',
        type: 'InvoicePaid',
        occurredAt: start.toISOString(),
        tenantId: tenant.tenant.id,
        payload: { invoiceId: 'inv-1', total: 100 },
      },
      'replay-first',
    );
    expect(message).toBeDefined();
    const attempt = (key: string, offset: number, messageId = key) =>
      runAttempt(at(offset), { ...message!, attempt: key }, messageId);

    receiver.answerNext(500, 500, 500);
    expect(await attempt('replay-first', 0)).toBe('sent');
    expect((await findEndpoint(tenant.ctx, endpoint.id, true))!.failingSince).toBe(start.toISOString());
    expect(await attempt('replay-day-4', 4 * DAY)).toBe('sent');
    expect((await findEndpoint(tenant.ctx, endpoint.id, true))!.status).toBe('enabled');
    expect(await attempt('replay-day-5', DISABLE_AFTER_MS + 60_000)).toBe('sent');

    const disabled = (await findEndpoint(tenant.ctx, endpoint.id, true))!;
    expect(disabled).toMatchObject({
      status: 'disabled',
      failingSince: start.toISOString(),
      disabledReason: `Every attempt failed for 5 days (since ${start.toISOString()}).`,
    });

    const requests = receiver.received.length;
    expect(await attempt('replay-after', DISABLE_AFTER_MS + 120_000)).toBe('skipped');
    expect(receiver.received.length).toBe(requests);
    expect((await findDelivery(tenant.ctx, message!.deliveryId, true))!.status).toBe('skipped');

    const alert = {
      endpointId: endpoint.id,
      disabledAt: disabled.disabledAt!,
      failingSince: disabled.failingSince!,
      reason: disabled.disabledReason!,
    };
    expect(await alertAdmins(tenant.ctx, alert)).toBe(1);
    expect(await alertAdmins(tenant.ctx, alert)).toBe(0);
    // The admin's mail also holds the sign-up verification link; the alert is the only other one.
    const mails = (await mailsTo(tenant.admin.email)).filter(
      (m) => !m.subject.startsWith('Confirm your email'),
    );
    expect(mails.map((m) => m.subject)).toEqual([
      `Webhook endpoint disabled: "Shop sync" (127.0.0.1:${new URL(receiver.url).port})`,
    ]);
    expect(mails[0]!.body.text).toContain(`/v1/webhooks/${endpoint.id}/replays`);
  });

  it("tells a French tenant's admins in French, with the requests to recover as the API reads them", async () => {
    const tenant = await newTenant({ locale: 'fr-FR', timeZone: 'Europe/Paris' });
    const endpoint = await createEndpoint(tenant.ctx, {
      url: receiver.url,
      description: 'Synchro boutique',
      events: [{ type: 'InvoicePaid', conditions: [] }],
    });
    const alert = {
      endpointId: endpoint.id,
      failingSince: '2026-11-02T09:00:00.000Z',
      disabledAt: '2026-11-07T09:05:00.000Z',
      reason: 'Every attempt failed for 5 days (since 2026-11-02T09:00:00.000Z).',
    };
    expect(await alertAdmins(tenant.ctx, alert)).toBe(1);
    const [mail, ...others] = (await mailsTo(tenant.admin.email)).filter((m) =>
      m.body.text.includes(endpoint.id),
    );
    expect(others).toEqual([]);
    const host = `127.0.0.1:${new URL(receiver.url).port}`;
    expect(mail!.subject).toBe(
      `Point de terminaison webhook désactivé\u00a0: «\u00a0Synchro boutique\u00a0» (${host})`,
    );
    expect(mail!.body.text).toContain(
      'toutes les tentatives ont échoué pendant 5 jours, depuis le 2 novembre 2026',
    );
    expect(mail!.body.text).toContain(
      `/v1/webhooks/${endpoint.id}/replays avec {"from": "2026-11-02T09:00:00.000Z", "to": "<now>"}`,
    );
    expect(mail!.body.text).not.toMatch(/disabled|Every attempt|Events are no longer/);
  });

  it('recovers when an attempt succeeds: its failures are forgotten', async () => {
    const tenant = await newTenant();
    const endpoint = await createEndpoint(tenant.ctx, {
      url: receiver.url,
      events: [{ type: '*', conditions: [] }],
    });
    const message = await recordDelivery(
      tenant.ctx,
      endpoint.id,
      {
        eventId: '01JD8Y09ZZ8X7W6V5T4S3R2Q1Q',
        type: 'ContactCreated',
        occurredAt: new Date().toISOString(),
        tenantId: tenant.tenant.id,
        payload: {},
      },
      'test-1',
    );
    receiver.answerNext(502);
    await runAttempt(tenant.ctx, { ...message!, attempt: 'test-1' }, 'm-1');
    expect((await findEndpoint(tenant.ctx, endpoint.id, true))!.failingSince).toBeDefined();
    await runAttempt(tenant.ctx, { ...message!, attempt: 'replay-2' }, 'm-2');
    expect((await findEndpoint(tenant.ctx, endpoint.id, true))!.failingSince).toBeUndefined();
    expect((await findDelivery(tenant.ctx, message!.deliveryId, true))!).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
  });
});

describe('a delivery attempt', () => {
  it('is made once per attempt key, however often its message comes, and resumes after a crash without sending again', async () => {
    const tenant = await newTenant();
    const endpoint = await createEndpoint(tenant.ctx, {
      url: receiver.url,
      events: [{ type: '*', conditions: [] }],
    });
    const message = await recordDelivery(
      tenant.ctx,
      endpoint.id,
      {
        eventId: '01JD8Y09ZZ8X7W6V5T4S3R2Q1R',
        type: 'ContactCreated',
        occurredAt: new Date().toISOString(),
        tenantId: tenant.tenant.id,
        payload: {},
      },
      'replay-once',
    );
    const before = receiver.received.length;
    const attempt = { ...message!, attempt: 'replay-once' };
    expect(await runAttempt(tenant.ctx, attempt, 'message-a')).toBe('sent');
    expect(await runAttempt(tenant.ctx, attempt, 'message-b')).toBe('duplicate');
    expect(await runAttempt(tenant.ctx, attempt, 'message-a')).toBe('resumed');
    expect(receiver.received.length - before).toBe(1);
    expect(await attemptsOf(tenant.ctx, message!.deliveryId)).toEqual([
      expect.objectContaining({ id: 'replay-once', trigger: 'replay', status: 'succeeded', statusCode: 200 }),
    ]);
  });
});
