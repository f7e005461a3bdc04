import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbFaultProxy,
  startDynamoDbFaultProxy,
} from '../../../infra/local/aws/dynamodb-faults.ts';
import { LocalFaults } from '../../../infra/local/aws/faults.ts';
import { forgetContact, moveContact } from '../../../shared/marketing/housekeeping.ts';
import { addMembers, createList, getList, listMembers } from '../../../shared/marketing/lists.ts';
import { setSubscription, subscriptionsOf } from '../../../shared/marketing/topics.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { type Derivations, startDerivations } from '../../support/streams.ts';
import { useTable } from '../../support/table.ts';
import { newTenant } from '../../support/tenants.ts';
import { newsTopic, person } from './support.ts';

/**
 * A merge's or an erasure's marketing part when DynamoDB fails beyond the SDK's retries: the
 * delivery fails (and is retried), and nothing the person chose is lost on the way.
 */
const faults = new LocalFaults(1);
let proxy: DynamoDbFaultProxy;
let client: DynamoDBClient;
let derived: Derivations;

beforeAll(async () => {
  await useTable();
  derived = await startDerivations();
  proxy = await startDynamoDbFaultProxy({
    host: '127.0.0.1',
    upstream: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    faults,
  });
  client = new DynamoDBClient({ endpoint: proxy.url, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await proxy?.close();
  await derived?.stop();
});

/** The same tenant's context, its table calls through the fault proxy. */
const throughFaults = (ctx: TenantContext): TenantContext => ({
  ...ctx,
  db: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
});

/**
 * Delivers a consumer's work as the bus does: the first attempt's next transaction fails, and a
 * failed delivery is delivered again (the second time with the table healthy).
 */
async function deliverWithFailingTransaction(
  ctx: TenantContext,
  work: (ctx: TenantContext) => Promise<void>,
): Promise<void> {
  faults.inject({ service: 'dynamodb', operation: 'TransactWriteItems', error: 'InternalServerError' });
  const failed = await work(throughFaults(ctx)).then(
    () => false,
    () => true,
  );
  faults.clear();
  if (failed) await work(ctx);
}

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

    await deliverWithFailingTransaction(ctx, (c) => moveContact(c, kept.id, duplicate.id));

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

    await deliverWithFailingTransaction(ctx, (c) => forgetContact(c, erased.id));

    expect((await listMembers(ctx, list.id, { limit: 10 })).items).toEqual([]);
    expect((await getList(ctx, list.id, true)).memberCount).toBe(0);
  });
});
