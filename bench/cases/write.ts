import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { newId } from '../../shared/platform/ids.ts';
import { type Case, ms } from '../case.ts';
import { contactTransaction } from '../replay.ts';
import { interleaved, ratio, summarize } from '../stats.ts';

/**
 * POST /v1/contacts against the raw TransactWriteItems of the same items. The items are not
 * rebuilt by hand: the harness captures the transaction the API sent for one contact (contact,
 * email guard, one index item per tag, change history entry, outbox event) and, for each floor
 * sample, sends that very transaction again with fresh ids and a fresh email. The floor's outbox
 * item goes through the stream and the consumers like the API's: both sides leave the same
 * background work behind them.
 */
export const writeCase: Case = {
  id: 'write',
  title: 'Create a contact',
  async run({ raw, meter, progress, quick, dataSet }) {
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
    const pairs = quick ? 100 : 400;
    let errors = 0;
    const email = (side: string, i: number) => `${side}-${i}-${run}@bench.example`;
    const viaApi = async (i: number) => {
      const response = await main.api.post('/v1/contacts', body(email('api', i)));
      if (response.status !== 201) errors++;
    };
    const viaSdk = async (i: number) => {
      await raw.send(new TransactWriteItemsCommand(transaction.again(email('sdk', i))));
    };
    const times = await progress.run('write: POST /v1/contacts', warmup + pairs, async (phase) => {
      await interleaved(warmup, viaApi, viaSdk, () => phase.tick());
      return interleaved(
        pairs,
        (i) => viaApi(warmup + i),
        (i) => viaSdk(warmup + i),
        () => phase.tick(),
      );
    });
    if (errors) throw new Error(`The write case saw ${errors} failed creations.`);
    const api = summarize(times.a);
    const floor = summarize(times.b);
    const kinds = transaction.items;
    return {
      id: 'write',
      title: 'Create a contact',
      rows: [
        {
          measure: `POST /v1/contacts p50 vs TransactWriteItems (${kinds.length} items)`,
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
      ],
      metrics: {
        'write.p50.ratio': ratio(api.p50, floor.p50),
        'write.p99.ratio': ratio(api.p99, floor.p99),
      },
      details: { samples: pairs, warmup, items: kinds, api, floor },
    };
  },
};
