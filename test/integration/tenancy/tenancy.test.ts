import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../shared/platform/errors.ts';
import { authenticate, createApiKey, listApiKeys, revokeApiKey } from '../../../shared/tenancy/api-keys.ts';
import { listAudit } from '../../../shared/tenancy/audit.ts';
import { createMember, deactivateMember, updateMember } from '../../../shared/tenancy/members.ts';
import { getMember, getTenant } from '../../../shared/tenancy/records.ts';
import { updateTenant } from '../../../shared/tenancy/tenants.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

beforeAll(useTable);

/** These tests change the tenant's name, never its sender. */
const noSenderChange = async () => undefined;

describe('sign-up', () => {
  it('creates the tenant, its admin and a working admin key together', async () => {
    const { tenant, admin, apiKey, ctx } = await newTenant({ timeZone: 'America/New_York' });
    expect(tenant.timeZone).toBe('America/New_York');
    expect(tenant.settings).toEqual({
      quoteFollowUpDays: 3,
      allowBackorders: false,
      emailPurchaseOrders: false,
      dailyJobHour: 8,
    });
    expect(admin.role).toBe('admin');
    const auth = await authenticate(`Bearer ${apiKey.key}`);
    expect(auth).toEqual({
      ok: true,
      principal: { tenantId: tenant.id, memberId: admin.id, role: 'admin', keyId: apiKey.id },
    });
    expect((await getTenant(ctx)).name).toBe(tenant.name);
  });
});

describe('API keys', () => {
  it('are stored only as a hash and listed with a recognisable prefix', async () => {
    const { ctx, apiKey } = await newTenant();
    const page = await listApiKeys(ctx, { limit: 10 });
    expect(page.items).toHaveLength(1);
    expect(JSON.stringify(page.items)).not.toContain(apiKey.key.slice(-43));
    expect(page.items[0]!.prefix).toBe(`fcrm_…${apiKey.key.slice(-4)}`);
  });

  it('stop authenticating once revoked, and revoking again changes nothing', async () => {
    const { ctx, apiKey } = await newTenant();
    const sales = await createMember(ctx, { name: 'Sam Sales', email: 'sam@acme.example', role: 'sales' });
    const key = await createApiKey(ctx, { name: 'CRM sync', memberId: sales.id });
    expect(await authenticate(`Bearer ${key.key}`)).toMatchObject({
      ok: true,
      principal: { role: 'sales', memberId: sales.id },
    });
    await revokeApiKey(ctx, key.id);
    expect(await authenticate(`Bearer ${key.key}`)).toEqual({
      ok: false,
      reason: 'The API key was revoked.',
    });
    expect((await revokeApiKey(ctx, key.id)).status).toBe('revoked');
    expect((await authenticate(`Bearer ${apiKey.key}`)).ok).toBe(true);
  });

  it('refuse malformed keys and keys with a wrong secret', async () => {
    const { apiKey } = await newTenant();
    expect(await authenticate(undefined)).toMatchObject({ ok: false });
    expect(await authenticate('Bearer nope')).toEqual({ ok: false, reason: 'The API key is malformed.' });
    const wrongSecret = `${apiKey.key.slice(0, -4)}AAAA`;
    expect(await authenticate(`Bearer ${wrongSecret}`)).toEqual({
      ok: false,
      reason: 'The API key is not valid.',
    });
  });

  it('act with their member’s current role', async () => {
    const { ctx } = await newTenant();
    const member = await createMember(ctx, { name: 'Mia', email: 'mia@acme.example', role: 'sales' });
    const key = await createApiKey(ctx, { name: 'laptop', memberId: member.id });
    await updateMember(ctx, member.id, { role: 'finance' });
    expect(await authenticate(`Bearer ${key.key}`)).toMatchObject({
      ok: true,
      principal: { role: 'finance' },
    });
  });
});

describe('members', () => {
  it('have unique emails within a tenant, case-insensitively', async () => {
    const { ctx } = await newTenant();
    await createMember(ctx, { name: 'Sam', email: 'sam@acme.example', role: 'sales' });
    await expect(
      createMember(ctx, { name: 'Sam 2', email: 'sam@acme.example', role: 'support' }),
    ).rejects.toThrow(ConflictError);
  });

  it('may share an email with a member of another tenant', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await createMember(a.ctx, { name: 'Sam', email: 'sam@shared.example', role: 'sales' });
    await expect(
      createMember(b.ctx, { name: 'Sam', email: 'sam@shared.example', role: 'sales' }),
    ).resolves.toBeDefined();
  });

  it('of another tenant are not found', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await expect(getMember(b.ctx, a.admin.id)).rejects.toThrow(NotFoundError);
  });

  it('cannot lose the last active admin, by demotion or by deactivation', async () => {
    const { ctx, admin } = await newTenant();
    await expect(updateMember(ctx, admin.id, { role: 'sales' })).rejects.toThrow(/last active admin/);
    await expect(deactivateMember(ctx, admin.id)).rejects.toThrow(/last active admin/);
  });

  it('lose every key when deactivated', async () => {
    const { ctx } = await newTenant();
    const member = await createMember(ctx, { name: 'Leo', email: 'leo@acme.example', role: 'support' });
    const first = await createApiKey(ctx, { name: 'one', memberId: member.id });
    const second = await createApiKey(ctx, { name: 'two', memberId: member.id });
    await deactivateMember(ctx, member.id);
    expect((await authenticate(`Bearer ${first.key}`)).ok).toBe(false);
    expect((await authenticate(`Bearer ${second.key}`)).ok).toBe(false);
    await expect(createApiKey(ctx, { name: 'three', memberId: member.id })).rejects.toThrow(ConflictError);
  });
});

describe('optimistic concurrency', () => {
  it('lets exactly one of two updates made from the same version succeed', async () => {
    const { ctx } = await newTenant();
    const member = await createMember(ctx, { name: 'Kim', email: 'kim@acme.example', role: 'sales' });
    const results = await Promise.allSettled([
      updateMember(ctx, member.id, { name: 'Kim A' }, member.version),
      updateMember(ctx, member.id, { name: 'Kim B' }, member.version),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(PreconditionFailedError);
    expect((await getMember(ctx, member.id)).version).toBe(2);
  });

  it('refuses a change made from a stale version', async () => {
    const { ctx, tenant } = await newTenant();
    await updateTenant(ctx, { name: 'Renamed' }, noSenderChange, tenant.version);
    await expect(updateTenant(ctx, { name: 'Again' }, noSenderChange, tenant.version)).rejects.toThrow(
      PreconditionFailedError,
    );
  });
});

describe('audit trail', () => {
  it('records key creation and revocation and role changes with who did them, newest first', async () => {
    const { ctx, admin } = await newTenant();
    const member = await createMember(ctx, { name: 'Pat', email: 'pat@acme.example', role: 'sales' });
    const key = await createApiKey(ctx, { name: 'pat key', memberId: member.id });
    await revokeApiKey(ctx, key.id);
    await updateMember(ctx, member.id, { role: 'marketing' });
    const { items } = await listAudit(ctx, { limit: 20 });
    expect(items.map((e) => e.action).slice(0, 4)).toEqual([
      'member.role_changed',
      'api_key.revoked',
      'api_key.created',
      'member.created',
    ]);
    expect(items[0]).toMatchObject({
      actor: expect.stringContaining(admin.id),
      changes: { role: { from: 'sales', to: 'marketing' } },
    });
  });
});
