import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { Api } from '../support/api.ts';
import { signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { signupBody } from '../support/signup-body.ts';
import { linkMailedTo, TENANT_VERIFICATION_LINK } from '../support/verification.ts';

/**
 * Sign-up that cannot be abused (issue 18, item 2): the first admin proves their address before
 * the tenant sends email or adds members, and sign-ups are limited per client and overall before
 * any function runs.
 */
let runtime: LocalRuntime;
let invocations = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  // The sign-up route's function only: jobs of the runtime (the API-call meter reading access
  // logs every few seconds) run whenever they are due, and are not what a refusal must spare.
  runtime.lambda.onInvocation((invocation) => {
    if (invocation.function === 'tenancy-api') invocations++;
  });
});

afterAll(async () => {
  await runtime?.stop();
});

const confirm = (link: string) =>
  fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'confirm=yes',
  });

describe('a new tenant', () => {
  it('adds no members and sends no email until its admin follows the link mailed to them', {
    timeout: 90_000,
  }, async () => {
    const tenant = await signUpOverHttp(runtime, {}, { verify: false });
    const api = tenant.api;
    const me = (await api.get('/v1/tenant')).body;
    expect(me.emailVerification).toMatchObject({ status: 'pending', email: expect.stringMatching(/^ada-/) });

    const member = await api.post('/v1/members', {
      name: 'Sam',
      email: `sam-${tenant.tenantId}@example.com`,
      role: 'sales',
    });
    expect(member.status, member.text).toBe(409);
    expect(member.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(member.body.reason).toBe('tenant_unverified');
    const identity = await api.post('/v1/sender-identities', {
      domain: `x-${tenant.tenantId.toLowerCase()}.example`,
    });
    expect(identity.status).toBe(409);

    const topic = await api.post('/v1/topics', { id: 'news', name: 'News' });
    const template = await api.post('/v1/templates', {
      name: 'T',
      subject: 'S',
      html: '<p>H</p>',
      text: 'H',
    });
    const list = await api.post('/v1/lists', { name: 'L' });
    const contact = await api.post('/v1/contacts', {
      firstName: 'Grace',
      lastName: 'Hopper',
      email: `grace-${tenant.tenantId}@navy.example`,
      marketingConsent: { status: 'granted', source: 'form' },
    });
    await api.post(`/v1/lists/${list.body.id}/members`, { contactIds: [contact.body.id] });
    const campaign = await api.post('/v1/campaigns', {
      name: 'Early',
      topicId: topic.body.id,
      templateId: template.body.id,
      audience: { lists: [list.body.id] },
    });
    expect(campaign.status, campaign.text).toBe(201);
    const send = await api.post(`/v1/campaigns/${campaign.body.id}/send`);
    expect(send.status, send.text).toBe(409);
    expect(send.body.reason).toBe('tenant_unverified');

    // Opening the link shows a button; only pressing it verifies (mail scanners open links).
    const link = await linkMailedTo(
      runtime.urls.mailViewer,
      me.emailVerification.email,
      TENANT_VERIFICATION_LINK,
    );
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect((await api.get('/v1/tenant')).body.emailVerification.status).toBe('pending');

    const resent = await api.post('/v1/tenant/verification');
    expect(resent.status, resent.text).toBe(202);
    expect(resent.body).toMatchObject({ sentTo: me.emailVerification.email, expiresAt: expect.any(String) });

    const confirmed = await confirm(link);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('is confirmed');
    await runtime.settle();
    expect((await api.get('/v1/tenant')).body.emailVerification).toMatchObject({ status: 'verified' });
    expect(
      (
        await api.post('/v1/members', {
          name: 'Sam',
          email: `sam-${tenant.tenantId}@example.com`,
          role: 'sales',
        })
      ).status,
    ).toBe(201);
    // The sign-up's sender is now an identity, its verification started (SES mailed it a link).
    const identities = (await api.get('/v1/sender-identities')).body.items;
    expect(identities).toEqual([expect.objectContaining({ identity: me.sender.email, status: 'pending' })]);
    expect((await api.post('/v1/tenant/verification')).status).toBe(409);
  });

  it('refuses a tampered or foreign link with a page, and never verifies through one', async () => {
    const tenant = await signUpOverHttp(runtime, {}, { verify: false });
    const admin = (await tenant.api.get('/v1/me')).body;
    const link = await linkMailedTo(runtime.urls.mailViewer, admin.email, TENANT_VERIFICATION_LINK);
    const tampered = `${link.slice(0, -3)}abc`;
    const refused = await confirm(tampered);
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    expect((await tenant.api.get('/v1/tenant')).body.emailVerification.status).toBe('pending');
  });
});

/** A POST /v1/tenants from a chosen loopback address (all of 127.0.0.0/8 is this machine). */
function signUpFrom(
  address: string,
  body: unknown,
): Promise<{ status: number; headers: Record<string, string>; body: any }> {
  const url = new URL('/v1/tenants', runtime.urls.api);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: address,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.once('error', reject);
    req.end(payload);
  });
}

describe('sign-up limits', () => {
  // An invalid body costs the function nothing but still counts, as a WAF counts every request.
  const invalid = { name: 'x' };

  it('refuse the 11th sign-up from one client in ten minutes, before any function runs', async () => {
    for (let i = 0; i < 10; i++) expect((await signUpFrom('127.0.0.5', invalid)).status).toBe(400);
    const before = invocations;
    const refused = await signUpFrom('127.0.0.5', signupBody());
    expect(invocations).toBe(before);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 429,
      limit: 'signup-per-client',
      requestId: expect.any(String),
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(refused.headers['ratelimit-policy']).toBe('"signup-per-client";q=10;w=600');
    expect(refused.headers.ratelimit).toBe(`"signup-per-client";r=0;t=${retryAfter}`);
    // Another client is not affected.
    expect((await signUpFrom('127.0.0.6', invalid)).status).toBe(400);
  });

  it('refuse sign-ups from everyone together past 100 in five minutes, whatever their addresses', async () => {
    let refused: Awaited<ReturnType<typeof signUpFrom>> | undefined;
    for (let i = 0; i < 120 && !refused; i++) {
      const answer = await signUpFrom(`127.0.1.${1 + Math.floor(i / 5)}`, invalid);
      if (answer.status === 429) refused = answer;
      else expect(answer.status).toBe(400);
    }
    expect(refused?.body.limit).toBe('signup-overall');
    expect(refused?.headers['ratelimit-policy']).toBe('"signup-overall";q=100;w=300');
    // Authenticated routes are not limited by sign-up's limits.
    const tenant = new Api(runtime.urls.api);
    expect((await tenant.get('/v1/openapi.json')).status).toBe(200);
  });
});
