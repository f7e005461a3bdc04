import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { deleteIdentity, readIdentity } from '../../shared/senders/ses.ts';
import { type SignedUpTenant, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';
import { confirmSesIdentity } from '../support/verification.ts';

/**
 * A tenant sends only as itself (issue 18, item 3): every sender must be one of the tenant's
 * verified identities, an identity belongs to one tenant, and the rule holds for settings,
 * mailings and the mail itself.
 */
let runtime: LocalRuntime;
let a: SignedUpTenant;
let b: SignedUpTenant;
const unique = Date.now().toString(36);
const aDomain = `a-${unique}.example`;

beforeAll(async () => {
  runtime = await startTestRuntime({ authorizerCacheTtlSeconds: 0 });
  [a, b] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  const domain = await a.api.post('/v1/sender-identities', { domain: aDomain });
  expect(domain.status, domain.text).toBe(201);
  const published = await fetch(`${runtime.urls.mailViewer}/_local/identities/${aDomain}/verify`, {
    method: 'POST',
  });
  expect(published.status).toBe(200);
});

afterAll(async () => {
  await runtime?.stop();
});

async function campaignBody(api: SignedUpTenant['api']) {
  const topic = await api.post('/v1/topics', {
    id: `t${Math.random().toString(36).slice(2, 8)}`,
    name: 'News',
  });
  const template = await api.post('/v1/templates', {
    name: 'News',
    subject: 'News',
    html: '<p>News</p>',
    text: 'News',
  });
  const list = await api.post('/v1/lists', { name: `L ${Math.random()}` });
  return {
    name: 'Spring',
    topicId: topic.body.id,
    templateId: template.body.id,
    audience: { lists: [list.body.id] },
  };
}

describe('sender identities', () => {
  it('give a domain the DKIM records to publish, and verify it once they are found', async () => {
    const created = await a.api.post('/v1/sender-identities', { domain: `brand-${unique}.example` });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ type: 'domain', status: 'pending' });
    expect(created.body.dnsRecords).toHaveLength(3);
    expect(created.body.dnsRecords[0]).toMatchObject({
      type: 'CNAME',
      name: expect.stringMatching(new RegExp(`^\\w+\\._domainkey\\.brand-${unique}\\.example$`)),
      value: expect.stringMatching(/\.dkim\.amazonses\.com$/),
    });
    await fetch(`${runtime.urls.mailViewer}/_local/identities/brand-${unique}.example/verify`, {
      method: 'POST',
    });
    const read = await a.api.get(`/v1/sender-identities/${created.body.id}`);
    expect(read.body).toMatchObject({ status: 'verified', verifiedAt: expect.any(String) });
  });

  it('verify an address by the link mailed to it, which can be mailed again', async () => {
    const address = `sales-${unique}@elsewhere.example`;
    const created = await a.api.post('/v1/sender-identities', { email: address });
    expect(created.body).toMatchObject({ type: 'email_address', status: 'pending' });
    const resent = await a.api.post(`/v1/sender-identities/${created.body.id}/verification`);
    expect(resent.status, resent.text).toBe(200);
    await confirmSesIdentity(runtime.urls.mailViewer, address);
    const list = await a.api.get('/v1/sender-identities');
    expect(list.body.items.find((i: { id: string }) => i.id === created.body.id)).toMatchObject({
      status: 'verified',
    });
  });

  it("never remove another tenant's identity when a tenant deletes a record that outlived its claim", async () => {
    const address = `shared-${unique}@elsewhere.example`;
    const mine = await a.api.post('/v1/sender-identities', { email: address });
    expect(mine.status, mine.text).toBe(201);
    // Removed from SES behind the tenant's back (an operator, an expiry), then claimed by another.
    await deleteIdentity(address);
    const other = await signUpOverHttp(runtime);
    const theirs = await other.api.post('/v1/sender-identities', { email: address });
    expect(theirs.status, theirs.text).toBe(201);

    expect((await a.api.delete(`/v1/sender-identities/${mine.body.id}`)).status).toBe(204);
    expect((await readIdentity(address))?.owner).toBe(other.tenantId);
    await confirmSesIdentity(runtime.urls.mailViewer, address);
    const list = await other.api.get('/v1/sender-identities');
    expect(list.body.items.find((i: { id: string }) => i.id === theirs.body.id)).toMatchObject({
      status: 'verified',
    });
  });

  it('belong to one tenant: another cannot add the same domain, nor an address at it', async () => {
    const same = await b.api.post('/v1/sender-identities', { domain: aDomain });
    expect(same.status).toBe(422);
    expect(same.body.errors).toEqual([
      { path: 'body.domain', message: expect.stringContaining('another sender') },
    ]);
    const under = await b.api.post('/v1/sender-identities', { email: `ceo@${aDomain}` });
    expect(under.status).toBe(422);
    expect(under.body.errors[0].path).toBe('body.email');
    expect(
      (await b.api.get('/v1/sender-identities')).body.items.map((i: { identity: string }) => i.identity),
    ).toEqual([expect.stringMatching(/^hello-/)]);
  });

  it("refuse a campaign, and the tenant's own sender, from another tenant's address (422 naming the field)", async () => {
    const spoofed = { name: 'CEO', email: `ceo@${aDomain}` };
    const campaign = await b.api.post('/v1/campaigns', { ...(await campaignBody(b.api)), sender: spoofed });
    expect(campaign.status, campaign.text).toBe(422);
    expect(campaign.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(campaign.body.errors).toEqual([{ path: 'body.sender.email', message: expect.any(String) }]);

    const setting = await b.api.patch('/v1/tenant', { sender: spoofed });
    expect(setting.status, setting.text).toBe(422);
    expect(setting.body.errors).toEqual([{ path: 'body.sender.email', message: expect.any(String) }]);
    expect((await b.api.get('/v1/tenant')).body.sender.email).not.toBe(spoofed.email);

    // Its own verified domain is accepted, for both.
    expect(
      (await a.api.patch('/v1/tenant', { sender: { name: 'A', email: `news@${aDomain}` } })).status,
    ).toBe(200);
    const own = await a.api.post('/v1/campaigns', {
      ...(await campaignBody(a.api)),
      sender: { name: 'A', email: `x@${aDomain}` },
    });
    expect(own.status, own.text).toBe(201);
  });

  it("cannot be deleted while it is what covers the tenant's sender", async () => {
    const items = (await a.api.get('/v1/sender-identities')).body.items as Array<{
      id: string;
      identity: string;
    }>;
    const domain = items.find((i) => i.identity === aDomain)!;
    const refused = await a.api.delete(`/v1/sender-identities/${domain.id}`);
    expect(refused.status).toBe(409);
    const other = items.find((i) => i.identity.startsWith('sales-'))!;
    expect((await a.api.delete(`/v1/sender-identities/${other.id}`)).status).toBe(204);
    expect((await a.api.get(`/v1/sender-identities/${other.id}`)).status).toBe(404);
  });
});
