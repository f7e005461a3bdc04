import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { ConflictError, UnprocessableError, ValidationError } from '../../../shared/platform/errors.ts';
import { listAudit } from '../../../shared/tenancy/audit.ts';
import {
  createEndpoint,
  getEndpoint,
  revealSecret,
  rotateSecret,
  updateEndpoint,
} from '../../../shared/webhooks/endpoints.ts';
import { findEndpoint, liveSalts } from '../../../shared/webhooks/records.ts';
import type { WebhookEndpointCreate } from '../../../shared/webhooks/schema.ts';
import { MAX_ENDPOINTS, subscribersOf } from '../../../shared/webhooks/subscriptions.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

/** As in AWS: https only, no loopback (this file sets neither WEBHOOK_ALLOW_HTTP nor _LOOPBACK). */
beforeAll(useTable);

const endpoint = (overrides: Partial<WebhookEndpointCreate> = {}): WebhookEndpointCreate => ({
  url: 'https://93.184.215.14/hooks',
  events: [{ type: 'InvoicePaid', conditions: [{ field: 'total', op: 'gte', value: 100_000 }] }],
  ...overrides,
});

async function failure(attempt: Promise<unknown>) {
  return attempt.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
}

describe('webhook endpoints', () => {
  it.each([
    ['https://localhost/hooks', /localhost resolves to .*, which is in the loopback range/],
    ['https://10.0.0.7/hooks', /private range/],
    ['https://169.254.169.254/latest/meta-data', /link-local \(cloud metadata\) range/],
    ['https://[fd00:ec2::254]/', /unique-local range/],
    ['https://100.64.0.1/', /carrier-grade NAT range/],
  ])('refuse %s with a 422 naming the URL', async (url, message) => {
    const { ctx } = await newTenant();
    const error = await failure(createEndpoint(ctx, endpoint({ url })));
    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as UnprocessableError).details.errors).toEqual([
      { path: 'body.url', message: expect.stringMatching(message) },
    ]);
  });

  it('refuse http, and credentials in the URL, as invalid input naming the URL', async () => {
    const { ctx } = await newTenant();
    for (const url of ['http://93.184.215.14/hooks', 'https://user:secret@93.184.215.14/hooks']) {
      const error = await failure(createEndpoint(ctx, endpoint({ url })));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]!.path).toBe('body.url');
    }
  });

  it('refuse filters that are not valid patterns, with the path of each', async () => {
    const { ctx } = await newTenant();
    const error = await failure(
      createEndpoint(
        ctx,
        endpoint({
          events: [
            { type: 'InvoicePaid', conditions: [{ field: 'amount', op: 'gte', value: 5 }] },
            { type: 'InvoicePayed', conditions: [] },
            { type: 'ContactCreated', conditions: [{ field: 'email', op: 'gt', value: 3 }] },
            { type: 'InvoiceIssued', conditions: [{ field: 'total', op: 'eq', value: 'a lot' }] },
            { type: '*', conditions: [] },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      {
        path: 'body.events.0.conditions.0.field',
        message: expect.stringMatching(/InvoicePaid has no field amount/),
      },
      {
        path: 'body.events.1.type',
        message: expect.stringMatching(/Unknown event type InvoicePayed; known: .*InvoicePaid/),
      },
      { path: 'body.events.2.conditions.0.op', message: 'gt compares numbers, and email is not one.' },
      { path: 'body.events.3.conditions.0.value', message: 'total is a number; "a lot" is not.' },
      { path: 'body.events.4.type', message: '* already means every event type: list it alone.' },
    ]);
  });

  it("refuse webhooks' own events: a delivery reporting deliveries would never end", async () => {
    const { ctx } = await newTenant();
    const error = await failure(
      createEndpoint(ctx, endpoint({ events: [{ type: 'WebhookDelivered', conditions: [] }] })),
    );
    expect((error as ValidationError).issues[0]).toMatchObject({ path: 'body.events.0.type' });
  });

  it('are found by the event types they subscribe to, and by * for every type', async () => {
    const { ctx } = await newTenant();
    const invoices = await createEndpoint(ctx, endpoint());
    const everything = await createEndpoint(ctx, endpoint({ events: [{ type: '*', conditions: [] }] }));
    const paid = await subscribersOf(ctx, 'InvoicePaid');
    expect(paid.map((s) => s.endpointId).sort()).toEqual([invoices.id, everything.id].sort());
    expect((await subscribersOf(ctx, 'ContactCreated')).map((s) => s.endpointId)).toEqual([everything.id]);

    await updateEndpoint(ctx, invoices.id, { events: [{ type: 'ContactCreated', conditions: [] }] });
    expect((await subscribersOf(ctx, 'InvoicePaid')).map((s) => s.endpointId)).toEqual([everything.id]);
    expect((await subscribersOf(ctx, 'ContactCreated')).map((s) => s.endpointId).sort()).toEqual(
      [invoices.id, everything.id].sort(),
    );
  });

  it(`are at most ${MAX_ENDPOINTS} per tenant`, async () => {
    const { ctx } = await newTenant();
    for (let i = 0; i < MAX_ENDPOINTS; i++) await createEndpoint(ctx, endpoint());
    expect(await failure(createEndpoint(ctx, endpoint()))).toBeInstanceOf(ConflictError);
  });

  it('keep no secret at rest: the secret is derived again from the stored salt, and rotation overlaps', async () => {
    const { ctx, as, admin, apiKey } = await newTenant();
    const created = await createEndpoint(ctx, endpoint());
    const stored = JSON.stringify(await findEndpoint(ctx, created.id, true));
    expect(stored).not.toContain(created.secret.slice('whsec_'.length));
    expect((await revealSecret(ctx, created.id)).secret).toBe(created.secret);

    const member = { type: 'member' as const, memberId: admin.id, role: 'admin' as const, keyId: apiKey.id };
    const rotatedAt = new Date(Date.now() + 60_000);
    const rotated = await rotateSecret(as(member, fixedClock(rotatedAt)), created.id, { overlapHours: 24 });
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretExpiresAt).toBe(new Date(rotatedAt.getTime() + 86_400_000).toISOString());
    const after = (await findEndpoint(ctx, created.id, true))!;
    expect(liveSalts(after, rotatedAt)).toHaveLength(2);
    expect(liveSalts(after, new Date(rotatedAt.getTime() + 86_400_001))).toHaveLength(1);
    expect((await getEndpoint(ctx, created.id)).previousSecretExpiresAt).toBe(
      rotated.previousSecretExpiresAt,
    );

    const actions = (await listAudit(ctx, { limit: 20 })).items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'webhook_endpoint.created',
        'webhook_endpoint.secret_revealed',
        'webhook_endpoint.secret_rotated',
      ]),
    );
  });
});
