import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { Api } from '../support/api.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { type ReceivedWebhook, WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * Issue 19's Done-when through the local runtime: invoices paid over the API, their events
 * committed through the outbox, put on the bus, fanned out to the delivery queue and POSTed to a
 * receiver on 127.0.0.1, which verifies the signature with the Standard Webhooks library.
 */
let runtime: LocalRuntime;
let tenant: SignedUpTenant;
let api: Api;
let receiver: WebhookReceiver;

beforeAll(async () => {
  // Retries start after about a second, not 30: the test waits for them in real time.
  process.env.WEBHOOK_RETRY_BASE_SECONDS = '1';
  receiver = await new WebhookReceiver().start();
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  tenant = await signUpOverHttp(runtime);
  api = tenant.api;
});

afterAll(async () => {
  await runtime?.stop();
  await receiver?.stop();
});

async function payInvoice(total: number): Promise<string> {
  const contact = await api.post('/v1/contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `ada-${Math.random().toString(36).slice(2, 8)}@engine.example`,
  });
  const draft = await api.post('/v1/invoices', {
    contactId: contact.body.id,
    lines: [{ description: 'Consulting', quantity: 1, unitAmount: total, taxRateBps: 0 }],
  });
  expect(draft.status, draft.text).toBe(201);
  const issued = await api.post(`/v1/invoices/${draft.body.id}/issue`);
  expect(issued.status, issued.text).toBe(200);
  const paid = await api.post(`/v1/invoices/${draft.body.id}/payments`, {
    amount: total,
    method: 'bank_transfer',
  });
  expect(paid.status, paid.text).toBe(201);
  return draft.body.id as string;
}

const deliveriesOf = (type: string, from = 0) =>
  receiver.received.slice(from).filter((r) => (JSON.parse(r.body) as { type: string }).type === type);

function verified(secret: string, request: ReceivedWebhook) {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
    type: string;
    data: Record<string, unknown>;
  };
}

describe('webhooks, end to end', () => {
  let endpointId: string;
  let secret: string;
  let matchingInvoice: string;

  it('deliver exactly one signed InvoicePaid to a receiver filtering on the amount', async () => {
    const created = await api.post('/v1/webhooks', {
      url: receiver.url,
      description: 'Accounting',
      events: [{ type: 'InvoicePaid', conditions: [{ field: 'total', op: 'gte', value: 100_000 }] }],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    endpointId = created.body.id;
    secret = created.body.secret;

    matchingInvoice = await payInvoice(150_000);
    await payInvoice(20_000);
    await runtime.settle();

    const paid = deliveriesOf('InvoicePaid');
    expect(paid).toHaveLength(1);
    const event = verified(secret, paid[0]!);
    expect(event).toMatchObject({
      type: 'InvoicePaid',
      data: { invoiceId: matchingInvoice, total: 150_000 },
    });
    expect(() =>
      verified(`whsec_${Buffer.from('not the secret, 32 bytes long!!').toString('base64')}`, paid[0]!),
    ).toThrow();

    const log = await api.get(`/v1/webhooks/${endpointId}/deliveries`);
    expect(log.body.items).toEqual([
      expect.objectContaining({
        id: paid[0]!.headers['webhook-id'],
        eventType: 'InvoicePaid',
        status: 'succeeded',
        attempts: 1,
        lastStatusCode: 200,
      }),
    ]);
  });

  it('retry a receiver that fails twice, which gets the event on the third attempt', async () => {
    const before = receiver.received.length;
    receiver.answerNext(503, 500);
    const invoiceId = await payInvoice(250_000);
    await runtime.settle();

    const attempts = deliveriesOf('InvoicePaid', before);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    for (const attempt of attempts) expect(verified(secret, attempt).data.invoiceId).toBe(invoiceId);

    const deliveryId = attempts[0]!.headers['webhook-id'] as string;
    const delivery = await api.get(`/v1/webhooks/${endpointId}/deliveries/${deliveryId}`);
    expect(delivery.status, delivery.text).toBe(200);
    expect(delivery.body).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      payload: { data: { invoiceId } },
    });
    expect(
      delivery.body.attemptLog.map((a: { number: number; status: string; statusCode: number }) => [
        a.number,
        a.status,
        a.statusCode,
      ]),
    ).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 500],
      [3, 'succeeded', 200],
    ]);
  });

  it('replay a delivery with the same webhook-id, freshly signed', async () => {
    const first = deliveriesOf('InvoicePaid')[0]!;
    const deliveryId = first.headers['webhook-id'] as string;
    const before = receiver.received.length;

    const replay = await api.post(`/v1/webhooks/${endpointId}/deliveries/${deliveryId}/replay`);
    expect(replay.status, replay.text).toBe(202);
    await runtime.settle();

    const again = receiver.received.slice(before);
    expect(again).toHaveLength(1);
    expect(again[0]!.headers['webhook-id']).toBe(deliveryId);
    expect(again[0]!.body).toBe(first.body);
    expect(verified(secret, again[0]!).data.invoiceId).toBe(matchingInvoice);
    const delivery = await api.get(`/v1/webhooks/${endpointId}/deliveries/${deliveryId}`);
    expect(delivery.body.attemptLog.map((a: { trigger: string }) => a.trigger)).toEqual([
      'automatic',
      'replay',
    ]);
  });

  it('deliver nothing new when the bus delivers the same event again', async () => {
    const first = deliveriesOf('InvoicePaid')[0]!;
    const event = JSON.parse(first.body) as {
      eventId: string;
      tenantId: string;
      timestamp: string;
      data: object;
    };
    const before = receiver.received.length;
    runtime.bus.putEvents([
      {
        Source: 'funnel.invoicing',
        DetailType: 'InvoicePaid',
        Detail: JSON.stringify({
          ...event.data,
          eventId: event.eventId,
          tenantId: event.tenantId,
          occurredAt: event.timestamp,
        }),
        EventBusName: 'funnel-local',
      },
    ]);
    await runtime.settle();
    expect(receiver.received.length).toBe(before);
  });

  it('sign with both secrets while a rotation overlaps, so receivers on either accept the delivery', async () => {
    const rotated = await api.post(`/v1/webhooks/${endpointId}/secret/rotate`, { overlapHours: 1 });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.previousSecretExpiresAt).toBeDefined();
    const before = receiver.received.length;
    await payInvoice(300_000);
    await runtime.settle();

    const [delivery] = receiver.received.slice(before);
    expect(String(delivery!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(secret, delivery!).type).toBe('InvoicePaid');
    expect(verified(rotated.body.secret, delivery!).type).toBe('InvoicePaid');
    expect((await api.get(`/v1/webhooks/${endpointId}/secret`)).body.secret).toBe(rotated.body.secret);
    secret = rotated.body.secret;
  });

  it('send a test event through the same signing and log', async () => {
    const before = receiver.received.length;
    const test = await api.post(`/v1/webhooks/${endpointId}/test`);
    expect(test.status, test.text).toBe(202);
    expect(test.body).toMatchObject({ eventType: 'WebhookTest', status: 'pending' });
    await runtime.settle();

    const [request] = receiver.received.slice(before);
    expect(request!.headers['webhook-id']).toBe(test.body.id);
    expect(verified(secret, request!)).toMatchObject({ type: 'WebhookTest', data: { endpointId } });
    const delivery = await api.get(`/v1/webhooks/${endpointId}/deliveries/${test.body.id}`);
    expect(delivery.body).toMatchObject({
      status: 'succeeded',
      attemptLog: [{ trigger: 'test', statusCode: 200 }],
    });
  });

  it('log events as skipped while the endpoint is disabled, and replay the range once it is enabled', async () => {
    const disabled = await api.patch(`/v1/webhooks/${endpointId}`, { status: 'disabled' });
    expect(disabled.body).toMatchObject({ status: 'disabled', disabledReason: 'Disabled by a member.' });
    const from = new Date().toISOString();
    const before = receiver.received.length;
    const missed = [await payInvoice(400_000), await payInvoice(500_000)];
    await runtime.settle();
    expect(receiver.received.length).toBe(before);
    const skipped = await api.get(`/v1/webhooks/${endpointId}/deliveries?status=skipped`);
    expect(skipped.body.items).toHaveLength(2);

    const refused = await api.post(`/v1/webhooks/${endpointId}/replays`, {
      from,
      to: new Date().toISOString(),
    });
    expect(refused.status).toBe(409);
    await api.patch(`/v1/webhooks/${endpointId}`, { status: 'enabled' });
    const replay = await api.post(`/v1/webhooks/${endpointId}/replays`, {
      from,
      to: new Date(Date.now() + 1000).toISOString(),
      status: 'skipped',
    });
    expect(replay.status, replay.text).toBe(202);
    await runtime.settle();

    const replayed = receiver.received.slice(before);
    expect(replayed.map((r) => verified(secret, r).data.invoiceId).sort()).toEqual([...missed].sort());
    expect(replayed.map((r) => r.headers['webhook-id']).sort()).toEqual(
      skipped.body.items.map((d: { id: string }) => d.id).sort(),
    );
    const after = await api.get(`/v1/webhooks/${endpointId}/deliveries?status=skipped`);
    expect(after.body.items).toEqual([]);
  });
});

describe('an erased contact', () => {
  it('leaves the delivery log, where payloads held their data; receivers are told by ContactErased', async () => {
    const endpoint = await api.post('/v1/webhooks', {
      url: receiver.url,
      events: [{ type: 'ContactCreated' }, { type: 'ContactErased' }],
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    const contact = await api.post('/v1/contacts', {
      firstName: 'Erin',
      lastName: 'Erased',
      email: 'erin@erased.example',
    });
    await runtime.settle();
    const log = `/v1/webhooks/${endpoint.body.id}/deliveries`;
    expect((await api.get(log)).body.items.map((d: { eventType: string }) => d.eventType)).toEqual([
      'ContactCreated',
    ]);

    expect((await api.delete(`/v1/contacts/${contact.body.id}`)).status).toBe(204);
    await runtime.settle();
    const after = (await api.get(log)).body.items as Array<{ id: string; eventType: string }>;
    expect(after.map((d) => d.eventType)).toEqual(['ContactErased']);
    const detail = await api.get(`${log}/${after[0]!.id}`);
    expect(detail.text).not.toContain('erin@erased.example');
    expect(detail.body.payload.data).toEqual({ contactId: contact.body.id });
  });
});

describe('webhook input', () => {
  it('answers 422 naming the URL when it points at a private address', async () => {
    const response = await api.post('/v1/webhooks', {
      url: 'http://169.254.169.254/latest/meta-data/',
      events: [{ type: 'ContactCreated' }],
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.errors).toEqual([
      { path: 'body.url', message: expect.stringContaining('link-local') },
    ]);
  });

  it('answers 422 naming the URL for a private IPv4 address written in an IPv6 form', async () => {
    // ::10.0.0.1 (IPv4-compatible, which URLs write as ::a00:1) and ::ffff:10.0.0.1 (IPv4-mapped).
    for (const [url, range] of [
      ['http://[::10.0.0.1]/hook', 'IPv4-compatible'],
      ['http://[::ffff:10.0.0.1]/hook', 'private'],
    ] as const) {
      const response = await api.post('/v1/webhooks', { url, events: [{ type: 'ContactCreated' }] });
      expect(response.status, url).toBe(422);
      expect(response.body.errors).toEqual([{ path: 'body.url', message: expect.stringContaining(range) }]);
    }
  });

  it('answers 400 with the path of a filter that is not a valid pattern', async () => {
    const response = await api.post('/v1/webhooks', {
      url: receiver.url,
      events: [{ type: 'InvoicePaid', conditions: [{ field: 'total', op: 'about', value: 1 }] }],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('body.events.0.conditions.0.op');
  });

  it('lists the event types with the fields filters may test', async () => {
    const types = await api.get('/v1/webhook-event-types');
    const paid = types.body.items.find((t: { type: string }) => t.type === 'InvoicePaid');
    expect(paid).toMatchObject({
      module: 'invoicing',
      fields: expect.arrayContaining([{ name: 'total', kind: 'number' }]),
    });
    expect(types.body.items.some((t: { type: string }) => t.type.startsWith('Webhook'))).toBe(false);
  });
});
