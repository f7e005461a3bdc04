import {
  BatchGetItemCommand,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { contactKeys } from '../../shared/contacts/keys.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { newId } from '../../shared/platform/ids.ts';
import type { Case, Row } from '../case.ts';
import type { Response } from '../http.ts';
import { totals } from '../meter.ts';
import { contactTransaction } from '../replay.ts';
import { transactionUnits } from '../transaction-units.ts';

/**
 * Read and write capacity units per API operation, from DynamoDB's own ReturnConsumedCapacity on
 * every call the operation's function makes (bench/meter.ts). Each operation runs alone on a
 * settled runtime; the calls made until its answer are the operation's, the calls made after it,
 * until the runtime settles again, are its event consumers' (reported apart: they are paid too,
 * but not while the caller waits). A measurement that overlapped any other function's work is
 * thrown away and taken again. The authorizer's answer is cached for 60 s per key, as API Gateway
 * does: its cost is measured apart, on a cache miss. Floors: the same raw calls, metered the same way.
 * `capacity.<op>.totalWcu` adds the request's writes and its consumers' (issue 21 counts both).
 * Transactions are counted by DynamoDB's pricing rules, not by DynamoDB Local (bench/meter.ts).
 */
interface Operation {
  name: string;
  id: string;
  /** The function that serves it (any other function running meanwhile spoils the measurement). */
  fn: string;
  request: () => Promise<Response>;
  status: number;
  /** The raw calls the access pattern needs, returning their capacity. */
  floor?: () => Promise<{ read: number; write: number }>;
}

export const capacityCase: Case = {
  id: 'capacity',
  title: 'Capacity per operation',
  async run({ runtime, raw, tableName, meter, progress, dataSet }) {
    const data = await dataSet();
    const { main } = data;
    const { api } = main;
    const tenant = asTenantId(main.tenantId);
    const contact = main.contacts[0]!;
    const unique = newId().toLowerCase();
    const contactBody = (n: number) => ({
      firstName: 'Dorothy',
      lastName: 'Vaughan',
      email: `capacity-${n}-${unique}@bench.example`,
      ownerId: main.members[0],
      companyId: main.companies[0],
      lifecycleStage: 'prospect',
      tags: ['customer', 'newsletter'],
    });
    const { result: first, input } = await meter.nextTransaction(() =>
      api.expect(201, 'POST', '/v1/contacts', contactBody(0)),
    );
    const transaction = contactTransaction(input, {
      contactId: String(first.json.id),
      email: contactBody(0).email,
    });
    const units = (consumed: unknown) =>
      [consumed ?? []]
        .flat()
        .reduce((sum: number, c) => sum + ((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
    const contactKey = (id: string) => {
      const key = contactKeys.contact(tenant, id);
      return { PK: { S: key.PK }, SK: { S: key.SK } };
    };
    const query = async (index: string, partition: string) =>
      raw.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': `${index}PK` },
          ExpressionAttributeValues: { ':pk': { S: partition } },
          Limit: 25,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    const etag = (await api.get(`/v1/contacts/${contact.id}`)).headers.etag as string;
    const tag = data.tags[0]!;
    const owner = main.members[0]!;
    let created = 0;

    const operations: Operation[] = [
      {
        name: 'GET /v1/contacts/{id}',
        id: 'getContact',
        fn: 'contacts-api',
        request: () => api.get(`/v1/contacts/${contact.id}`),
        status: 200,
        floor: async () => {
          const result = await raw.send(
            new GetItemCommand({
              TableName: tableName,
              Key: contactKey(contact.id),
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          return { read: units(result.ConsumedCapacity), write: 0 };
        },
      },
      {
        // The contact created above names a company and an owner, so both relations are read.
        name: 'GET /v1/contacts/{id}?expand=company,owner',
        id: 'getContactExpanded',
        fn: 'contacts-api',
        request: () => api.get(`/v1/contacts/${String(first.json.id)}?expand=company,owner`),
        status: 200,
      },
      {
        name: 'POST /v1/contacts',
        id: 'createContact',
        fn: 'contacts-api',
        request: () => api.post('/v1/contacts', contactBody(++created)),
        status: 201,
        floor: async () => {
          // DynamoDB Local misreports transactions: counted from the items, as the meter does.
          const input = transaction.again(`capacity-floor-${unique}@bench.example`);
          await raw.send(new TransactWriteItemsCommand(input));
          const items = (input.TransactItems ?? []).map((w) => ({
            Put: { TableName: tableName, Item: unmarshall(w.Put!.Item!) },
          }));
          return { read: 0, write: await transactionUnits({ TransactItems: items }, async () => undefined) };
        },
      },
      {
        name: 'POST /v1/contacts with Idempotency-Key',
        id: 'createContactIdempotent',
        fn: 'contacts-api',
        request: () =>
          api.post('/v1/contacts', contactBody(++created), { 'idempotency-key': `bench-${newId()}` }),
        status: 201,
      },
      {
        name: 'PATCH /v1/contacts/{id} (If-Match)',
        id: 'updateContact',
        fn: 'contacts-api',
        request: () =>
          api.send(
            'PATCH',
            `/v1/contacts/${contact.id}`,
            { lifecycleStage: 'customer' },
            { 'if-match': etag },
          ),
        status: 200,
      },
      {
        name: 'GET /v1/contacts?tag= (25)',
        id: 'listByTag',
        fn: 'contacts-api',
        request: () => api.get(`/v1/contacts?tag=${tag}&limit=25`),
        status: 200,
        floor: async () => {
          const page = await query('GSI2', contactKeys.byTag(tenant, tag));
          const batch = await raw.send(
            new BatchGetItemCommand({
              RequestItems: {
                [tableName]: { Keys: (page.Items ?? []).map((i) => contactKey(i.contactId!.S!)) },
              },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          return { read: units(page.ConsumedCapacity) + units(batch.ConsumedCapacity), write: 0 };
        },
      },
      {
        name: 'GET /v1/contacts?ownerId= (25)',
        id: 'listByOwner',
        fn: 'contacts-api',
        request: () => api.get(`/v1/contacts?ownerId=${owner}&limit=25`),
        status: 200,
        floor: async () => ({
          read: units((await query('GSI3', contactKeys.byOwner(tenant, owner))).ConsumedCapacity),
          write: 0,
        }),
      },
      {
        name: 'GET /v1/companies/{id}',
        id: 'getCompany',
        fn: 'contacts-api',
        request: () => api.get(`/v1/companies/${main.companies[0]}`),
        status: 200,
      },
      {
        name: 'GET /v1/invoices/{id}',
        id: 'getInvoice',
        fn: 'invoicing-api',
        request: () => api.get(`/v1/invoices/${main.invoices[0]}`),
        status: 200,
      },
      {
        name: 'GET /v1/invoices (25)',
        id: 'listInvoices',
        fn: 'invoicing-api',
        request: () => api.get('/v1/invoices?limit=25'),
        status: 200,
      },
      {
        name: 'GET /v1/tasks/{id}',
        id: 'getTask',
        fn: 'tasks-api',
        request: () => api.get(`/v1/tasks/${main.tasks[0]}`),
        status: 200,
      },
      {
        name: 'POST /v1/tasks',
        id: 'createTask',
        fn: 'tasks-api',
        request: () =>
          api.post('/v1/tasks', {
            title: 'Send the signed offer',
            assigneeId: owner,
            dueAt: new Date(Date.now() + 86_400_000).toISOString(),
            links: [{ type: 'contact', id: contact.id }],
          }),
        status: 201,
      },
    ];

    let recording = false;
    const invocations: Array<{ fn: string; start: number; end: number }> = [];
    runtime.lambda.onInvocation((invocation) => {
      if (!recording) return;
      const end = performance.now();
      invocations.push({ fn: invocation.function, start: end - invocation.durationMs - 1, end });
    });
    /** The calls of one piece of work, with the functions that ran meanwhile. */
    const measured = async (fn: string, work: () => Promise<number>, expected: number) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        await runtime.settle();
        invocations.length = 0;
        recording = true;
        meter.start();
        const t0 = performance.now();
        const status = await work();
        const t1 = performance.now();
        await runtime.settle();
        const calls = meter.stop();
        recording = false;
        if (status !== expected) throw new Error(`The capacity case got ${status}, expected ${expected}.`);
        const intruders = invocations.filter((i) => i.fn !== fn && i.start < t1 && i.end > t0);
        if (intruders.length > 0) continue;
        return {
          request: totals(calls.filter((c) => c.at <= t1)),
          consumers: totals(calls.filter((c) => c.at > t1)),
          calls: calls.filter((c) => c.at <= t1).map((c) => `${c.command} ${c.units}`),
          consumerFunctions: [...new Set(invocations.filter((i) => i.start >= t1).map((i) => i.fn))],
        };
      }
      throw new Error(`Could not measure ${fn} alone: other functions kept running.`);
    };

    const rows: Row[] = [];
    const metrics: Record<string, number> = {};
    const details: Record<string, unknown> = {};
    await progress.run('capacity: units per operation', operations.length + 1, async (phase) => {
      // A key never used: its first request makes the authorizer read (and stamp) it.
      const key = await api.expect(201, 'POST', '/v1/api-keys', { name: 'capacity', memberId: main.adminId });
      const authorizer = await measured(
        'authorizer',
        async () => {
          const result = (await runtime.lambda.invoke('authorizer', {
            headers: { authorization: `Bearer ${key.json.key}` },
          })) as { context: { authenticated: boolean } };
          return result.context.authenticated ? 200 : 401;
        },
        200,
      );
      rows.push({
        measure: 'authorizer, on a cache miss (once per key per 60 s)',
        funnel: units2(authorizer.request),
      });
      metrics['capacity.authorizer.rcu'] = authorizer.request.read;
      metrics['capacity.authorizer.wcu'] = authorizer.request.write;
      details.authorizer = authorizer;
      phase.tick();
      await api.get('/v1/me'); // the admin key's authorizer answer is cached from here on
      for (const op of operations) {
        const result = await measured(op.fn, async () => (await op.request()).status, op.status);
        const floor = op.floor ? await op.floor() : undefined;
        const main = result.request.write > 0 ? 'write' : 'read';
        rows.push({
          measure: op.name,
          funnel: units2(result.request),
          ...(floor ? { floor: units2(floor), ratio: result.request[main] / floor[main] } : {}),
          metric: `capacity.${op.id}.${main === 'read' ? 'rcu' : 'wcu'}`,
        });
        if (result.consumerFunctions.length > 0) {
          rows.push({
            measure: `  then, after the answer: ${result.consumerFunctions.join(', ')}`,
            funnel: units2(result.consumers),
          });
          rows.push({
            measure: '  in all, the request and what follows from it',
            funnel: `${result.request.write + result.consumers.write} WCU`,
            metric: `capacity.${op.id}.totalWcu`,
          });
        }
        metrics[`capacity.${op.id}.rcu`] = result.request.read;
        metrics[`capacity.${op.id}.wcu`] = result.request.write;
        metrics[`capacity.${op.id}.totalWcu`] = result.request.write + result.consumers.write;
        details[op.id] = { ...result, floor };
        phase.tick();
      }
    });
    return { id: 'capacity', title: 'Capacity per operation', rows, metrics, details };
  },
};

function units2(capacity: { read: number; write: number }): string {
  return `${capacity.read} RCU ${capacity.write} WCU`;
}
