import { PutItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { contactKeys } from '../../shared/contacts/keys.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { newId } from '../../shared/platform/ids.ts';
import { type Case, ms } from '../case.ts';
import { contactTransaction } from '../replay.ts';
import { ratio, rotated, summarize } from '../stats.ts';

/**
 * POST /v1/contacts against two floors measured in the same rounds: the raw TransactWriteItems of
 * the items the request commits (the contact, its email guard, its outbox event carrying the
 * history entry), and a single PutItem of the same contact item (issue 21's floor: what a create
 * would cost with nothing but the record to write). The items are not rebuilt by hand: the
 * harness captures the transaction the API sent for one contact and, for each floor sample,
 * sends that very transaction (or its contact item) again with fresh ids and a fresh email. The
 * floors' changes go through the stream and its consumers like the API's.
 *
 * Then the lag of what is derived after the answer: for sequential creates, the time from the
 * 201 until the contact's history entry and its tag index items are readable (a consistent Query
 * of the contact's partition, every 2 ms). That is the stream's lag plus the consumers' work: how
 * long the eventually consistent reads of docs/data-model.md trail the write.
 */
export const writeCase: Case = {
  id: 'write',
  title: 'Create a contact',
  async run({ raw, meter, progress, quick, dataSet, tableName }) {
    const data = await dataSet();
    const { main } = data;
    const run = newId().toLowerCase();
    const body = (email: string) => ({
      firstName: 'Katherine',
      lastName: 'Johnson',
      email,
      ownerId: main.members[0],
      companyId: main.companies[0],
      lifecycleStage: 'prospect',
      tags: ['customer', 'newsletter'],
    });
    const { result: first, input } = await meter.nextTransaction(() =>
      main.api.expect(201, 'POST', '/v1/contacts', body(`template-${run}@bench.example`)),
    );
    const transaction = contactTransaction(input, {
      contactId: String(first.json.id),
      email: `template-${run}@bench.example`,
    });
    const warmup = quick ? 20 : 50;
    const rounds = quick ? 100 : 400;
    let errors = 0;
    const email = (side: string, i: number) => `${side}-${i}-${run}@bench.example`;
    const sides = [
      async (i: number) => {
        const response = await main.api.post('/v1/contacts', body(email('api', i)));
        if (response.status !== 201) errors++;
      },
      async (i: number) => {
        await raw.send(new TransactWriteItemsCommand(transaction.again(email('sdk', i))));
      },
      async (i: number) => {
        await raw.send(new PutItemCommand(transaction.contactAgain(email('put', i))));
      },
    ];
    const times = await progress.run('write: POST /v1/contacts', warmup + rounds, async (phase) => {
      await rotated(warmup, sides, () => phase.tick());
      return rotated(
        rounds,
        sides.map((side) => (i: number) => side(warmup + i)),
        () => phase.tick(),
      );
    });
    if (errors) throw new Error(`The write case saw ${errors} failed creations.`);
    const [api, floor, put] = times.map(summarize) as [
      ReturnType<typeof summarize>,
      ReturnType<typeof summarize>,
      ReturnType<typeof summarize>,
    ];
    const lag = summarize(await derivedLag(quick ? 30 : 100));
    const kinds = transaction.items;
    return {
      id: 'write',
      title: 'Create a contact',
      rows: [
        {
          measure: 'POST /v1/contacts p50 vs PutItem of the contact alone',
          funnel: ms(api.p50),
          floor: ms(put.p50),
          ratio: ratio(api.p50, put.p50),
          metric: 'write.putItem.p50.ratio',
        },
        {
          measure: `POST /v1/contacts p50 vs TransactWriteItems (${kinds.length} items: ${kinds.join(', ')})`,
          funnel: ms(api.p50),
          floor: ms(floor.p50),
          ratio: ratio(api.p50, floor.p50),
          metric: 'write.p50.ratio',
        },
        {
          measure: `POST /v1/contacts p99 vs TransactWriteItems (${kinds.length} items)`,
          funnel: ms(api.p99),
          floor: ms(floor.p99),
          ratio: ratio(api.p99, floor.p99),
          metric: 'write.p99.ratio',
        },
        {
          measure: '  TransactWriteItems p50 vs PutItem (what the uniqueness guard and the outbox cost)',
          funnel: ms(floor.p50),
          floor: ms(put.p50),
          ratio: ratio(floor.p50, put.p50),
        },
        {
          measure: 'derived items (history, tag index) readable after the 201: lag p50',
          funnel: ms(lag.p50),
          metric: 'write.lag.p50',
        },
        {
          measure: 'derived items (history, tag index) readable after the 201: lag p99',
          funnel: ms(lag.p99),
          metric: 'write.lag.p99',
        },
      ],
      metrics: {
        'write.putItem.p50.ratio': ratio(api.p50, put.p50),
        'write.p50.ratio': ratio(api.p50, floor.p50),
        'write.p99.ratio': ratio(api.p99, floor.p99),
        'write.lag.p50': lag.p50,
        'write.lag.p99': lag.p99,
      },
      details: { samples: rounds, warmup, items: kinds, api, floor, put, lag },
    };

    async function derivedLag(samples: number): Promise<number[]> {
      const tenant = asTenantId(main.tenantId);
      return progress.run('write: lag of derived items', samples, async (phase) => {
        const lags: number[] = [];
        for (let i = 0; i < samples; i++) {
          const created = await main.api.expect(201, 'POST', '/v1/contacts', body(email('lag', i)));
          const answered = performance.now();
          const partition = contactKeys.partition(tenant, String(created.json.id));
          for (let polls = 0; ; polls++) {
            const { Items = [] } = await raw.send(
              new QueryCommand({
                TableName: tableName,
                KeyConditionExpression: 'PK = :pk',
                ExpressionAttributeValues: { ':pk': { S: partition } },
                ConsistentRead: true,
              }),
            );
            const sks = Items.map((item) => item.SK?.S ?? '');
            if (
              sks.some((sk) => sk.startsWith('HIST#')) &&
              sks.filter((sk) => sk.startsWith('IX#TAG#')).length === 2
            )
              break;
            if (polls > 10_000) throw new Error('Derived items did not appear within 20 s.');
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
          lags.push(performance.now() - answered);
          phase.tick();
        }
        return lags;
      });
    }
  },
};
