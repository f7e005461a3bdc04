import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetContact, moveContact } from '../../../shared/marketing/housekeeping.ts';
import { addMembers, createList, getList, listMembers } from '../../../shared/marketing/lists.ts';
import { setSubscription, subscriptionsOf } from '../../../shared/marketing/topics.ts';
import { startTableFaults, type TableFaults } from '../../support/db-faults.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';
import { newsTopic, person } from './support.ts';

/**
 * A merge's or an erasure's marketing part when DynamoDB fails beyond the SDK's retries: the
 * delivery fails (and is retried), and nothing the person chose is lost on the way.
 */
let tableFaults: TableFaults;
let derived: Derivations;

beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
  tableFaults = await startTableFaults();
});

afterAll(async () => {
  await tableFaults?.stop();
  await derived?.stop();
});

const failingTransaction = { operation: 'TransactWriteItems', error: 'InternalServerError' };

describe('a merge whose marketing move meets a failing table', () => {
  it("keeps the duplicate's opt-out and list membership for the kept contact once redelivered", async () => {
    const { ctx } = await newTenant();
    await newsTopic(ctx, 'news', 'subscribed');
    const [kept, duplicate] = await Promise.all([
      person(ctx, { consent: 'granted' }),
      person(ctx, { consent: 'granted' }),
    ]);
    await setSubscription(ctx, duplicate.id, 'news', { status: 'unsubscribed', source: 'preference page' });
    const list = await createList(ctx, { name: 'Trade fair' });
    await addMembers(ctx, list.id, [duplicate.id]);
    await derived.settle();

    await tableFaults.deliver(ctx, failingTransaction, (c) => moveContact(c, kept.id, duplicate.id));

    expect(await subscriptionsOf(ctx, kept.id)).toMatchObject([{ topicId: 'news', status: 'unsubscribed' }]);
    const members = await listMembers(ctx, list.id, { limit: 10 });
    expect(members.items.map((m) => m.contactId)).toEqual([kept.id]);
    expect((await getList(ctx, list.id, true)).memberCount).toBe(1);
  });
});

describe('an erasure whose marketing part meets a failing table', () => {
  it('leaves no list membership behind once redelivered', async () => {
    const { ctx } = await newTenant();
    const erased = await person(ctx);
    const list = await createList(ctx, { name: 'Webinar' });
    await addMembers(ctx, list.id, [erased.id]);
    await derived.settle();

    await tableFaults.deliver(ctx, failingTransaction, (c) => forgetContact(c, erased.id));

    expect((await listMembers(ctx, list.id, { limit: 10 })).items).toEqual([]);
    expect((await getList(ctx, list.id, true)).memberCount).toBe(0);
  });
});
