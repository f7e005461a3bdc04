import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContactCreate } from '../../../shared/contacts/schema.ts';
import { createContact } from '../../../shared/contacts/service.ts';
import { unsubscribePage } from '../../../shared/marketing/unsubscribe.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { tenantContext } from '../../../shared/platform/context.ts';
import type { TenantId } from '../../../shared/platform/db/keys.ts';
import { ConflictError } from '../../../shared/platform/errors.ts';
import { linkSecret } from '../../../shared/platform/secrets.ts';
import { signLink } from '../../../shared/platform/signed-links.ts';
import { openTenantLink, rotateLinkKeys, signTenantLink } from '../../../shared/tenancy/link-keys.ts';
import { getTenant } from '../../../shared/tenancy/records.ts';
import { useTable } from '../../support/table.ts';
import { newTenant, type TestTenant } from '../../support/tenants.ts';

beforeAll(useTable);

const DAY = 86_400_000;
const asContact = (tenantId: string, contactId: string) =>
  tenantContext({ tenantId: tenantId as TenantId, actor: { type: 'contact', contactId } });
const open = (token: string, at: Date) => openTenantLink('unsubscribe', token, asContact, at);

async function tenantWithContact(): Promise<TestTenant & { contactId: string }> {
  const tenant = await newTenant({}, '2026-03-01T09:00:00Z');
  const contact = await createContact(
    tenant.ctx,
    ContactCreate.parse({ firstName: 'Ada', lastName: 'Lovelace' }),
  );
  return { ...tenant, contactId: contact.id };
}

describe('per-tenant link keys', () => {
  it('keep the previous generation working through the overlap, then retire it', async () => {
    const t = await tenantWithContact();
    const before = await signTenantLink(t.tenant, 'unsubscribe', { s: t.contactId });
    const rotatedAt = new Date('2026-03-02T09:00:00Z');
    const keys = await rotateLinkKeys(t.as(t.ctx.actor, fixedClock(rotatedAt.toISOString())), {});
    expect(keys).toMatchObject({ generation: 2, previousGeneration: 1 });
    const after = await signTenantLink(await getTenant(t.ctx), 'unsubscribe', { s: t.contactId });

    const day29 = new Date(rotatedAt.getTime() + 29 * DAY);
    const day31 = new Date(rotatedAt.getTime() + 31 * DAY);
    expect((await open(before, day29)).ok).toBe(true);
    expect(await open(before, day31)).toMatchObject({ ok: false, reason: 'revoked' });
    expect((await open(after, day31)).ok).toBe(true);

    // The page a retired link opens says so, with a 410, and names the sender.
    const page = await unsubscribePage(before, asContact, { now: day31 });
    expect(page.status).toBe(410);
    expect(page.html).toContain('This link no longer works');
    expect(page.problem).toMatchObject({ title: 'This link no longer works' });
  });

  it('retire the previous generation at once when the tenant asks (a leak)', async () => {
    const t = await tenantWithContact();
    const before = await signTenantLink(t.tenant, 'unsubscribe', { s: t.contactId });
    await rotateLinkKeys(t.ctx, { retirePrevious: 'now' });
    expect(await open(before, new Date())).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('accept links signed before per-tenant keys until the first rotation’s overlap ends', async () => {
    const t = await tenantWithContact();
    const soon = new Date('2026-03-01T10:00:00Z');
    // No kid: signed with the stack secret itself, as every link was before.
    const legacy = await new SignJWT({ t: t.tenant.id, s: t.contactId })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('unsubscribe')
      .sign(await linkSecret());
    expect((await open(legacy, soon)).ok).toBe(true);
    const keys = await rotateLinkKeys(t.ctx, {});
    expect((await open(legacy, soon)).ok).toBe(true);
    expect(await open(legacy, new Date(Date.parse(keys.previousValidUntil!) + 1000))).toMatchObject({
      ok: false,
      reason: 'revoked',
    });
  });

  it('refuse a token made with another tenant’s key, a generation that does not exist, or another purpose', async () => {
    const [a, b] = [await tenantWithContact(), await tenantWithContact()];
    // Tenant B's key, tenant A's name in the claims.
    const [bKey] = [await signLink('unsubscribe', { t: b.tenant.id, s: b.contactId }, 1)];
    const [header, , signature] = bKey.split('.');
    const forgedClaims = Buffer.from(
      JSON.stringify({ t: a.tenant.id, s: a.contactId, aud: 'unsubscribe' }),
    ).toString('base64url');
    expect(await open(`${header}.${forgedClaims}.${signature}`, new Date())).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    const future = await signLink('unsubscribe', { t: a.tenant.id, s: a.contactId }, 9);
    expect(await open(future, new Date())).toMatchObject({ ok: false, reason: 'invalid' });
    const survey = await signTenantLink(a.tenant, 'survey', { s: a.contactId });
    expect(await open(survey, new Date())).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await open('not-a-token', new Date())).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('never skip or reuse a generation when two admins rotate at the same moment', async () => {
    const t = await tenantWithContact();
    const results = await Promise.allSettled([rotateLinkKeys(t.ctx, {}), rotateLinkKeys(t.ctx, {})]);
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.generation] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect(done.length).toBeGreaterThan(0);
    expect((await getTenant(t.ctx)).linkKeys?.generation).toBe(1 + done.length);
    expect(new Set(done).size).toBe(done.length);
  });
});
