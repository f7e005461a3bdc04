import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issueCalendarFeed,
  resolveFeedToken,
  revokeCalendarFeed,
} from '../../../shared/contacts/calendar.ts';
import { createCompany, findCompanyIdByDomain, updateCompany } from '../../../shared/contacts/companies.ts';
import { defineCustomField } from '../../../shared/contacts/fields.ts';
import { listHistory } from '../../../shared/contacts/history.ts';
import { contactKeys } from '../../../shared/contacts/keys.ts';
import { eraseContact, performMerge, requestMerge } from '../../../shared/contacts/privacy.ts';
import { getContact } from '../../../shared/contacts/records.ts';
import { createSelfServiceLink, selfServiceForm } from '../../../shared/contacts/self-service.ts';
import { createContact, createContactInto, updateContact } from '../../../shared/contacts/service.ts';
import { addTimelineEntryInto, listTimeline } from '../../../shared/contacts/timeline.ts';
import { tenantContext } from '../../../shared/platform/context.ts';
import { asTenantId } from '../../../shared/platform/db/keys.ts';
import { unitOfWork } from '../../../shared/platform/db/repository.ts';
import { ConflictError, ValidationError } from '../../../shared/platform/errors.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const asContact = (tenantId: string, contactId: string) =>
  tenantContext({ tenantId: asTenantId(tenantId), actor: { type: 'contact', contactId } });

describe('contacts created by other modules', () => {
  it('join a larger unit of work with the fields those modules already pass', async () => {
    const { ctx } = await newTenant();
    const uow = unitOfWork(ctx);
    const contact = createContactInto(uow, ctx, {
      firstName: 'Lead',
      lastName: 'Converted',
      lifecycleStage: 'customer',
      tags: [],
    });
    addTimelineEntryInto(uow, ctx, contact.id, { kind: 'deal', title: 'Deal won' });
    await uow.commit();
    expect(await getContact(ctx, contact.id)).toMatchObject({ emails: [], phones: [], customFields: {} });
    await derived.settle();
    expect((await listTimeline(ctx, contact.id, { limit: 5 })).items[0]!.kind).toBe('deal');
  });

  it('read phone numbers without a country code in the tenant country', async () => {
    const { ctx } = await newTenant();
    const contact = await createContact(ctx, {
      firstName: 'Local',
      lastName: 'Number',
      lifecycleStage: 'lead',
      tags: [],
      phones: [{ number: '01 42 68 53 00', type: 'work' }],
    });
    expect(contact.phones).toEqual([{ number: '+33142685300', type: 'work' }]);
  });
});

describe('custom fields', () => {
  it('are typed, and a choice must be one of its values', async () => {
    const { ctx } = await newTenant();
    await defineCustomField(
      ctx,
      'plan',
      { label: 'Plan', type: 'choice', choices: ['basic', 'pro'] },
      'create',
    );
    await expect(defineCustomField(ctx, 'plan', { label: 'Plan', type: 'text' }, 'create')).rejects.toThrow(
      ConflictError,
    );
    const base = { firstName: 'C', lastName: 'F', lifecycleStage: 'lead' as const, tags: [] };
    const error = await createContact(ctx, { ...base, customFields: { plan: 'gold' } }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues[0].path).toBe('body.customFields.plan');
    const contact = await createContact(ctx, { ...base, customFields: { plan: 'pro' } });
    const cleared = await updateContact(ctx, contact.id, { customFields: { plan: null } });
    expect(cleared.customFields).toEqual({});
  });
});

describe('companies', () => {
  it('record their changes and free the old domain', async () => {
    const { ctx } = await newTenant();
    const company = await createCompany(ctx, { name: 'Old Name', domain: 'old.example' });
    await updateCompany(ctx, company.id, { name: 'New Name', domain: 'new.example', industry: 'Software' });
    expect(await findCompanyIdByDomain(ctx, 'old.example')).toBeUndefined();
    expect(await findCompanyIdByDomain(ctx, 'new.example')).toBe(company.id);
    await derived.settle();
    const history = await listHistory(ctx, { type: 'company', id: company.id }, { limit: 5 });
    expect(history.items[0]!.changes).toEqual({
      name: { from: 'Old Name', to: 'New Name' },
      domain: { from: 'old.example', to: 'new.example' },
      industry: { from: null, to: 'Software' },
    });
  });
});

describe('self-service links', () => {
  it('show a friendly page once expired', async () => {
    const { ctx } = await newTenant();
    const contact = await createContact(ctx, {
      firstName: 'Late',
      lastName: 'Reader',
      lifecycleStage: 'lead',
      tags: [],
    });
    const link = await createSelfServiceLink(ctx, contact.id);
    const token = link.url.split('/').at(-1)!;
    const fresh = await selfServiceForm(token, asContact, { now: new Date() });
    expect(fresh.status).toBe(200);
    const late = await selfServiceForm(token, asContact, { now: new Date(Date.now() + 8 * 86_400_000) });
    expect(late.status).toBe(410);
    expect(late.html).toContain('This link has expired');
  });
});

describe('calendar feeds', () => {
  it('stop working at once when revoked or replaced', async () => {
    const { ctx, admin } = await newTenant();
    const contextFor = (t: string) =>
      tenantContext({ tenantId: asTenantId(t), actor: { type: 'system', process: 'feed' } });
    const token = (url: string) => url.split('/').at(-1)!;
    const first = await issueCalendarFeed(ctx, admin.id);
    expect(await resolveFeedToken(token(first.url), contextFor)).toMatchObject({ memberId: admin.id });
    const second = await issueCalendarFeed(ctx, admin.id);
    expect(await resolveFeedToken(token(first.url), contextFor)).toBeUndefined();
    await revokeCalendarFeed(ctx, admin.id);
    expect(await resolveFeedToken(token(second.url), contextFor)).toBeUndefined();
  });
});

describe('merging', () => {
  it('keeps every timeline entry and history entry of the duplicate, beyond one transaction', async () => {
    const { ctx } = await newTenant();
    const base = { lifecycleStage: 'lead' as const, tags: [] };
    const keep = await createContact(ctx, { firstName: 'Keep', lastName: 'Me', ...base });
    const duplicate = await createContact(ctx, { firstName: 'Dup', lastName: 'Licate', ...base });
    // 110 entries: more than one transaction (100 writes) can move at once.
    for (let batch = 0; batch < 2; batch++) {
      const uow = unitOfWork(ctx);
      for (let i = 0; i < 55; i++)
        addTimelineEntryInto(uow, ctx, duplicate.id, { kind: 'note', title: `n${batch}-${i}` });
      await uow.commit();
    }
    await derived.settle();
    await requestMerge(ctx, keep.id, duplicate.id);
    await expect(requestMerge(ctx, keep.id, duplicate.id)).rejects.toThrow(ConflictError);
    // While merging, the duplicate is frozen: a change would be lost.
    await expect(updateContact(ctx, duplicate.id, { firstName: 'Late' })).rejects.toThrow(ConflictError);
    await performMerge(ctx, keep.id, duplicate.id);
    await performMerge(ctx, keep.id, duplicate.id);
    await derived.settle();
    const timeline = await listTimeline(ctx, keep.id, { limit: 100 });
    const next = await listTimeline(ctx, keep.id, { limit: 100, cursor: timeline.nextCursor! });
    expect(timeline.items.length + next.items.length).toBe(111);
    expect((await listTimeline(ctx, duplicate.id, { limit: 10 })).items).toEqual([]);
    const history = await listHistory(ctx, { type: 'contact', id: keep.id }, { limit: 10 });
    expect(history.items.map((h) => h.action)).toEqual(['merged', 'created', 'created']);
  }, 60_000);

  it('keeps a contact that receives a merge until the merge is done, then lets it go', async () => {
    const { ctx } = await newTenant();
    const base = { lifecycleStage: 'lead' as const, tags: [] };
    const a = await createContact(ctx, { firstName: 'Ada', lastName: 'One', ...base });
    const b = await createContact(ctx, { firstName: 'Ada', lastName: 'Two', ...base });
    const c = await createContact(ctx, { firstName: 'Ada', lastName: 'Three', ...base });
    await requestMerge(ctx, b.id, a.id);
    // B receives A: it cannot be merged away or erased before A has moved into it.
    await expect(requestMerge(ctx, c.id, b.id)).rejects.toThrow(/being merged into it/);
    await expect(eraseContact(ctx, b.id)).rejects.toThrow(/being merged into it/);
    await performMerge(ctx, b.id, a.id);
    await requestMerge(ctx, c.id, b.id);
    await performMerge(ctx, c.id, b.id);
    await eraseContact(ctx, c.id);
    await expect(getContact(ctx, b.id)).rejects.toThrow();
  });

  it('releases a duplicate whose kept contact is gone, instead of failing its merge forever', async () => {
    const { ctx } = await newTenant();
    const base = { lifecycleStage: 'lead' as const, tags: [] };
    const dup = await createContact(ctx, { firstName: 'Dup', lastName: 'Left', ...base });
    const keep = await createContact(ctx, { firstName: 'Keep', lastName: 'Gone', ...base });
    await requestMerge(ctx, keep.id, dup.id);
    // As a merge requested before merges were counted could find it: the kept contact deleted.
    await unitOfWork(ctx).delete(contactKeys.contact(ctx.tenantId, keep.id)).commit();
    await performMerge(ctx, keep.id, dup.id);
    const changed = await updateContact(ctx, dup.id, { firstName: 'Free' });
    expect(changed.firstName).toBe('Free');
  });

  it('gives the kept contact the duplicate’s email when it has none, and that email stays unique', async () => {
    const { ctx } = await newTenant();
    const base = { lifecycleStage: 'lead' as const, tags: [] };
    const keep = await createContact(ctx, { firstName: 'Keep', lastName: 'Me', ...base });
    const duplicate = await createContact(ctx, {
      firstName: 'Dup',
      lastName: 'Licate',
      email: 'dup@example.com',
      ...base,
    });
    await requestMerge(ctx, keep.id, duplicate.id);
    await performMerge(ctx, keep.id, duplicate.id);
    await performMerge(ctx, keep.id, duplicate.id);

    const kept = await getContact(ctx, keep.id);
    expect(kept.email).toBe('dup@example.com');
    await expect(getContact(ctx, duplicate.id)).rejects.toThrow();
    // The email's guard now names the kept contact: nobody else can take the address.
    await expect(
      createContact(ctx, { firstName: 'Other', lastName: 'One', email: 'dup@example.com', ...base }),
    ).rejects.toThrow(ConflictError);
    // And the kept contact can give it up, which frees it.
    await updateContact(ctx, keep.id, { email: null });
    const other = await createContact(ctx, {
      firstName: 'Other',
      lastName: 'One',
      email: 'dup@example.com',
      ...base,
    });
    expect(other.email).toBe('dup@example.com');
  });
});
