import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompany, listCompanies } from '../../../shared/contacts/companies.ts';
import { getContact } from '../../../shared/contacts/records.ts';
import { CompanyCreate } from '../../../shared/contacts/schema.ts';
import {
  createContact,
  findContactIdByEmail,
  listContacts,
  updateContact,
} from '../../../shared/contacts/service.ts';
import { addTimelineEntryInto, listTimeline } from '../../../shared/contacts/timeline.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { unitOfWork } from '../../../shared/platform/db/repository.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../shared/platform/errors.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const person = (email?: string) => ({
  firstName: 'Grace',
  lastName: 'Hopper',
  ...(email ? { email } : {}),
  lifecycleStage: 'prospect' as const,
  tags: ['navy', 'cobol'],
});

describe('contacts', () => {
  it('refuse a second contact with the same email and name the existing one', async () => {
    const { ctx } = await newTenant();
    const first = await createContact(ctx, person('grace@navy.example'));
    const error = await createContact(ctx, person('grace@navy.example')).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.details.existingContactId).toBe(first.id);
  });

  it('free the old email when it changes, and take the new one', async () => {
    const { ctx } = await newTenant();
    const grace = await createContact(ctx, person('grace@old.example'));
    await updateContact(ctx, grace.id, { email: 'grace@new.example' });
    expect(await findContactIdByEmail(ctx, 'grace@new.example')).toBe(grace.id);
    expect(await findContactIdByEmail(ctx, 'grace@old.example')).toBeUndefined();
    await expect(createContact(ctx, person('grace@old.example'))).resolves.toBeDefined();
  });

  it('list by last name, then first name', async () => {
    const { ctx } = await newTenant();
    for (const [firstName, lastName] of [
      ['Ada', 'Lovelace'],
      ['Alan', 'Turing'],
      ['Grace', 'Hopper'],
    ] as const) {
      await createContact(ctx, { firstName, lastName, lifecycleStage: 'lead', tags: [] });
    }
    const page = await listContacts(ctx, { limit: 10 });
    expect(page.items.map((c) => c.lastName)).toEqual(['Hopper', 'Lovelace', 'Turing']);
  });

  it('of another tenant are not found', async () => {
    const a = await newTenant();
    const b = await newTenant();
    const grace = await createContact(a.ctx, person());
    await expect(getContact(b.ctx, grace.id)).rejects.toThrow(NotFoundError);
  });

  it('refuse a change made from a stale version', async () => {
    const { ctx } = await newTenant();
    const grace = await createContact(ctx, person());
    await updateContact(ctx, grace.id, { lifecycleStage: 'customer' }, grace.version);
    await expect(updateContact(ctx, grace.id, { lifecycleStage: 'former' }, grace.version)).rejects.toThrow(
      PreconditionFailedError,
    );
    expect((await getContact(ctx, grace.id)).lifecycleStage).toBe('customer');
  });
});

describe('companies', () => {
  it('have unique domains within a tenant and list by name', async () => {
    const { ctx } = await newTenant();
    // Services receive validated input; the schema is what lower-cases the domain.
    const acme = await createCompany(ctx, CompanyCreate.parse({ name: 'Acme', domain: 'ACME.example' }));
    expect(acme.domain).toBe('acme.example');
    const error = await createCompany(ctx, { name: 'Acme again', domain: 'acme.example' }).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.details.existingCompanyId).toBe(acme.id);
    await createCompany(ctx, { name: 'Bluth Company' });
    expect((await listCompanies(ctx, { limit: 10 })).items.map((c) => c.name)).toEqual([
      'Acme',
      'Bluth Company',
    ]);
  });
});

describe('the timeline', () => {
  it('lists what modules recorded about a contact, newest first, once their change committed', async () => {
    const { ctx } = await newTenant();
    const grace = await createContact(ctx, person());
    const earlier = as(ctx, '2026-11-01T10:00:00Z');
    const later = as(ctx, '2026-11-02T10:00:00Z');
    const first = unitOfWork(earlier);
    addTimelineEntryInto(first, earlier, grace.id, { kind: 'call', title: 'Discovery call' });
    await first.commit();
    const second = unitOfWork(later);
    addTimelineEntryInto(second, later, grace.id, {
      kind: 'invoice',
      title: 'Invoice 2026-0001 issued',
      ref: { type: 'invoice', id: 'inv' },
    });
    await second.commit();
    await derived.settle();
    const { items } = await listTimeline(ctx, grace.id, { limit: 10 });
    expect(items.map((e) => e.title)).toEqual(['Invoice 2026-0001 issued', 'Discovery call']);
    expect(items[0]!.ref).toEqual({ type: 'invoice', id: 'inv' });
  });
});

function as(ctx: import('../../../shared/platform/context.ts').TenantContext, at: string) {
  return { ...ctx, clock: fixedClock(at) };
}
