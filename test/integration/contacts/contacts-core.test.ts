import { beforeAll, describe, expect, it } from 'vitest';
import {
  createContact,
  findContactIdByEmail,
  getContact,
  listContacts,
  updateContact,
} from '../../../shared/contacts/service.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../shared/platform/errors.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

beforeAll(useTable);

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
