import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHistory } from '../../../shared/contacts/history.ts';
import { contactKeys } from '../../../shared/contacts/keys.ts';
import { searchContacts } from '../../../shared/contacts/search.ts';
import { createContact, updateContact } from '../../../shared/contacts/service.ts';
import { listTimeline } from '../../../shared/contacts/timeline.ts';
import { queryAll } from '../../../shared/platform/db/repository.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';

/**
 * Items derived from committed changes (index items, history, timeline entries) are written off
 * the request's path, from the stream, which may deliver a record twice or late. Whatever the
 * stream does, they end up as the committed changes say.
 */
let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const person = {
  firstName: 'Mary',
  lastName: 'Jackson',
  lifecycleStage: 'lead' as const,
  tags: ['engineer', 'nasa'],
};

async function indexKeys(ctx: Parameters<typeof queryAll>[0], contactId: string) {
  const items = await queryAll(ctx, {
    partition: contactKeys.partition(ctx.tenantId, contactId),
    sort: { beginsWith: 'IX#' },
    consistent: true,
  });
  return items.map((i) => String(i.SK)).sort();
}

describe('derived items of a contact', () => {
  it('follow each change, and stay right when the stream delivers every record again, newest first', async () => {
    const { ctx } = await newTenant();
    const mary = await createContact(ctx, { ...person, phones: [{ number: '+14155552671', type: 'work' }] });
    await updateContact(ctx, mary.id, { tags: ['engineer', 'langley'] });
    await updateContact(ctx, mary.id, { tags: ['langley'], phones: [] });
    await updateContact(ctx, mary.id, { lifecycleStage: 'customer' });
    await derived.settle();
    const expected = ['IX#TAG#langley'];
    expect(await indexKeys(ctx, mary.id)).toEqual(expected);
    const history = async () =>
      (await listHistory(ctx, { type: 'contact', id: mary.id }, { limit: 10 })).items;
    const before = await history();
    expect(before.map((h) => h.action)).toEqual(['updated', 'updated', 'updated', 'created']);

    // Late duplicates of the older changes (the tag `nasa` and the phone were there) must not
    // bring back what the newer ones removed, nor write any entry twice.
    expect(await derived.poller.redeliver('contact-indexes', { order: 'reversed' })).toBeGreaterThan(0);
    expect(await derived.poller.redeliver('derived-items', { order: 'reversed' })).toBeGreaterThan(0);
    expect(await derived.poller.redeliver('contact-indexes')).toBeGreaterThan(0);
    await derived.settle();
    expect(await indexKeys(ctx, mary.id)).toEqual(expected);
    expect(await history()).toEqual(before);
    expect((await searchContacts(ctx, { tag: 'nasa' }, { limit: 10 })).items).toEqual([]);
    expect((await searchContacts(ctx, { tag: 'langley' }, { limit: 10 })).items.map((c) => c.id)).toEqual([
      mary.id,
    ]);
    expect(derived.deadLetters.list()).toEqual([]);
  });

  it('are written only after the change committed, and not at all for a change that failed', async () => {
    const { ctx } = await newTenant();
    const first = await createContact(ctx, { ...person, email: 'mary@nasa.example' });
    await expect(createContact(ctx, { ...person, email: 'mary@nasa.example' })).rejects.toThrow();
    await derived.settle();
    const ixPartitions = await queryAll(ctx, {
      index: 'GSI2',
      partition: contactKeys.byTag(ctx.tenantId, 'nasa'),
    });
    expect(ixPartitions.map((i) => i.contactId)).toEqual([first.id]);
    expect((await listTimeline(ctx, first.id, { limit: 5 })).items).toEqual([]);
  });
});
