import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCustomField } from '../../../shared/contacts/fields.ts';
import { suppress } from '../../../shared/mail/suppression.ts';
import {
  audiencePage,
  eligibleAmong,
  planAudience,
  probeAudience,
  START,
} from '../../../shared/marketing/audience.ts';
import { importMembers } from '../../../shared/marketing/list-imports.ts';
import { addMembers, createList, getList, removeMembers } from '../../../shared/marketing/lists.ts';
import { Audience } from '../../../shared/marketing/schema.ts';
import { createSegment, previewSegment } from '../../../shared/marketing/segments.ts';
import { setSubscription, subscriptionsOf } from '../../../shared/marketing/topics.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import { ValidationError } from '../../../shared/platform/errors.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';
import { buys, newsTopic, person, product } from './support.ts';

let derived: Derivations;
beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
});
afterAll(() => derived.stop());

const ids = (members: Array<{ id: string }>) => members.map((m) => m.id).sort();

describe('segments', () => {
  it('find the buyers of A who never bought B, and those whose last purchase is older than a date', async () => {
    const { ctx, as } = await newTenant();
    const [a, b] = [await product(ctx, 'A'), await product(ctx, 'B')];
    const [onlyA, both, onlyB, nobody] = await Promise.all([
      person(ctx),
      person(ctx),
      person(ctx),
      person(ctx),
    ]);
    const january = as(ctx.actor, fixedClock('2026-01-15T10:00:00Z'));
    await buys(january, onlyA.id, a.id);
    await buys(january, both.id, a.id);
    await buys(ctx, both.id, b.id);
    await buys(ctx, onlyB.id, b.id);
    await derived.settle();

    const aNotB = await createSegment(ctx, {
      name: 'A but not B',
      conditions: [
        { type: 'bought', productId: a.id },
        { type: 'not_bought', productId: b.id },
      ],
    });
    expect(await previewSegment(ctx, aNotB.id)).toMatchObject({ count: 1, exact: true, examined: 2 });
    expect(ids((await previewSegment(ctx, aNotB.id)).sample)).toEqual([onlyA.id]);

    const lapsed = await createSegment(ctx, {
      name: 'Lapsed',
      conditions: [{ type: 'last_purchase', before: '2026-02-01' }],
    });
    expect(ids((await previewSegment(ctx, lapsed.id)).sample)).toEqual([onlyA.id]);

    const never = await createSegment(ctx, {
      name: 'Never bought',
      conditions: [{ type: 'never_purchased' }],
    });
    expect(ids((await previewSegment(ctx, never.id)).sample)).toEqual([nobody.id]);
  });

  it('combine tags, lifecycle stage, region, consent and contact fields', async () => {
    const { ctx } = await newTenant();
    await defineCustomField(
      ctx,
      'plan',
      { label: 'Plan', type: 'choice', choices: ['free', 'pro'] },
      'create',
    );
    const breton = { country: 'FR', region: 'Bretagne', city: 'Rennes' };
    const match = await person(ctx, {
      tags: ['vip'],
      lifecycleStage: 'customer',
      addresses: [breton],
      consent: 'granted',
      customFields: { plan: 'pro' },
    });
    await person(ctx, {
      tags: ['vip'],
      lifecycleStage: 'customer',
      addresses: [breton],
      consent: 'denied',
      customFields: { plan: 'pro' },
    });
    await person(ctx, {
      tags: ['vip'],
      lifecycleStage: 'lead',
      addresses: [breton],
      consent: 'granted',
      customFields: { plan: 'pro' },
    });
    await person(ctx, {
      tags: ['vip'],
      lifecycleStage: 'customer',
      addresses: [{ country: 'FR', region: 'Alsace' }],
      consent: 'granted',
    });
    await person(ctx, {
      tags: ['vip', 'churned'],
      lifecycleStage: 'customer',
      addresses: [breton],
      consent: 'granted',
      customFields: { plan: 'pro' },
    });
    // Tags and regions are found through index items derived from the committed contacts.
    await derived.settle();
    const segment = await createSegment(ctx, {
      name: 'Breton VIP customers on pro',
      conditions: [
        { type: 'tag', tag: 'vip', present: true },
        { type: 'tag', tag: 'churned', present: false },
        { type: 'lifecycle_stage', stages: ['customer'] },
        { type: 'region', country: 'FR', region: 'bretagne' },
        { type: 'consent', statuses: ['granted'] },
        { type: 'field', field: 'custom.plan', op: 'eq', value: 'pro' },
      ],
    });
    const preview = await previewSegment(ctx, segment.id);
    expect(preview).toMatchObject({ count: 1, exact: true });
    expect(ids(preview.sample)).toEqual([match.id]);
  });

  it('naming an unknown product, field or value, or a purchase window without dates, is refused field by field', async () => {
    const { ctx } = await newTenant();
    const refused = await createSegment(ctx, {
      name: 'Broken',
      conditions: [
        { type: 'bought', productId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
        { type: 'field', field: 'custom.nope', op: 'eq', value: 'x' },
        { type: 'field', field: 'firstName', op: 'eq' },
        { type: 'last_purchase' },
      ],
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((i) => i.path)).toEqual([
      'body.conditions.1.field',
      'body.conditions.2.value',
      'body.conditions.3',
      'body.conditions.0.productId',
    ]);
  });
});

describe('lists', () => {
  it('count each member once however often they are added, and report ids that are no contact', async () => {
    const { ctx } = await newTenant();
    const list = await createList(ctx, { name: 'Trade fair 2026' });
    const [ann, bob] = await Promise.all([person(ctx), person(ctx)]);
    const first = await addMembers(ctx, list.id, [ann.id, bob.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
    expect(first).toMatchObject({
      changed: 2,
      unchanged: 0,
      notFound: ['01ARZ3NDEKTSV4RRFFQ69G5FAV'],
      memberCount: 2,
    });
    const again = await Promise.all([
      addMembers(ctx, list.id, [ann.id]),
      addMembers(ctx, list.id, [ann.id, bob.id]),
    ]);
    expect(again.map((r) => r.changed)).toEqual([0, 0]);
    expect(await removeMembers(ctx, list.id, [bob.id, bob.id])).toMatchObject({ changed: 1, memberCount: 1 });
    expect((await getList(ctx, list.id)).memberCount).toBe(1);
  });

  it('import the contacts a CSV names by email, reporting unknown and invalid rows by line', async () => {
    const { ctx } = await newTenant();
    const list = await createList(ctx, { name: 'Imported' });
    const [ann, bob] = await Promise.all([person(ctx), person(ctx)]);
    const csv = `Name,E-mail\nAnn,${ann.email!.toUpperCase()}\nBob,${bob.email}\nZed,zed@nowhere.example\nBad,not-an-address\nAnn again,${ann.email}\n`;
    const result = await importMembers(ctx, list.id, csv);
    expect(result).toMatchObject({
      rows: 5,
      added: 2,
      unknown: [{ line: 4, email: 'zed@nowhere.example' }],
      unknownCount: 1,
      invalid: [{ line: 5, value: 'not-an-address' }],
      memberCount: 2,
    });
  });
});

describe('consent', () => {
  it('lets a topic reach consenting contacts by default, an explicit choice win, and never the denied or suppressed', async () => {
    const { ctx } = await newTenant();
    const news = await newsTopic(ctx, 'news', 'subscribed');
    const optIn = await newsTopic(ctx, 'beta', 'unsubscribed');
    const granted = await person(ctx, { consent: 'granted' });
    const unknown = await person(ctx);
    const denied = await person(ctx, { consent: 'denied' });
    const chose = await person(ctx, { consent: 'granted' });
    const suppressed = await person(ctx, { consent: 'granted' });
    await setSubscription(ctx, chose.id, 'news', { status: 'unsubscribed', source: 'phone call' });
    await setSubscription(ctx, chose.id, 'beta', { status: 'subscribed', source: 'phone call' });
    await setSubscription(ctx, unknown.id, 'beta', { status: 'subscribed', source: 'event' });
    await suppress(ctx, suppressed.email!, 'complaint');
    const everyone = Audience.parse({
      contactIds: [granted, unknown, denied, chose, suppressed].map((c) => c.id),
    });

    const receivers = async (topic: typeof news) => {
      const plan = await planAudience(ctx, everyone, topic.id);
      const page = await audiencePage(ctx, plan, START, 100);
      const { eligible, refused } = await eligibleAmong(ctx, page.members, { category: 'marketing', topic });
      return { eligible: eligible.map((d) => d.id).sort(), refused: Object.fromEntries(refused) };
    };
    expect(await receivers(news)).toEqual({
      eligible: [granted.id].sort(),
      refused: {
        [unknown.id]: 'no_consent',
        [denied.id]: 'no_consent',
        [chose.id]: 'unsubscribed',
        [suppressed.id]: 'suppressed',
      },
    });
    expect((await receivers(optIn)).eligible).toEqual([unknown.id, chose.id].sort());

    const subscriptions = await subscriptionsOf(ctx, chose.id);
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topicId: 'news', status: 'unsubscribed', chosen: true, receives: false }),
        expect.objectContaining({ topicId: 'beta', status: 'subscribed', chosen: true, receives: true }),
      ]),
    );
  });

  it('says an audience nobody in which may receive the topic is unreachable, and why', async () => {
    const { ctx } = await newTenant();
    const news = await newsTopic(ctx);
    const list = await createList(ctx, { name: 'No consent' });
    const [a, b] = await Promise.all([person(ctx, { consent: 'denied' }), person(ctx)]);
    await addMembers(ctx, list.id, [a.id, b.id]);
    const probe = await probeAudience(ctx, Audience.parse({ lists: [list.id] }), {
      category: 'marketing',
      topic: news,
    });
    expect(probe).toEqual({ reachable: false, complete: true, members: 2, refused: { no_consent: 2 } });
  });
});
