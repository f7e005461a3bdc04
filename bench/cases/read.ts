import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { contactKeys } from '../../shared/contacts/keys.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { type Case, ms } from '../case.ts';
import { seeded } from '../dataset.ts';
import { interleaved, ratio, summarize } from '../stats.ts';

/**
 * GET /v1/contacts/{id} over HTTP (local API Gateway, cached authorizer, the contacts function)
 * against the one GetItem of the same item the API cannot avoid, sent with the SDK: eventually
 * consistent, as the API reads it. Pairs alternate which goes first.
 */
export const readCase: Case = {
  id: 'read',
  title: 'Read a contact',
  async run({ data, raw, tableName, progress, quick }) {
    const { main } = data;
    const tenant = asTenantId(main.tenantId);
    const random = seeded(1);
    const warmup = quick ? 100 : 300;
    const pairs = quick ? 400 : 2000;
    const picks = Array.from({ length: warmup + pairs }, () => random.pick(main.contacts).id);
    let errors = 0;
    const viaApi = async (i: number) => {
      const response = await main.api.get(`/v1/contacts/${picks[i]}`);
      if (response.status !== 200) errors++;
    };
    const viaSdk = async (i: number) => {
      const key = contactKeys.contact(tenant, picks[i]!);
      const { Item } = await raw.send(
        new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
      );
      if (!Item) errors++;
    };
    const times = await progress.run('read: GET /v1/contacts/{id}', warmup + pairs, async (phase) => {
      await interleaved(warmup, viaApi, viaSdk, () => phase.tick());
      const offset = (i: number) => warmup + i;
      return interleaved(
        pairs,
        (i) => viaApi(offset(i)),
        (i) => viaSdk(offset(i)),
        () => phase.tick(),
      );
    });
    if (errors) throw new Error(`The read case saw ${errors} failed reads.`);
    const api = summarize(times.a);
    const floor = summarize(times.b);
    return {
      id: 'read',
      title: 'Read a contact',
      rows: [
        {
          measure: 'GET /v1/contacts/{id} p50 vs GetItem',
          funnel: ms(api.p50),
          floor: ms(floor.p50),
          ratio: ratio(api.p50, floor.p50),
          metric: 'read.p50.ratio',
        },
        {
          measure: 'GET /v1/contacts/{id} p99 vs GetItem',
          funnel: ms(api.p99),
          floor: ms(floor.p99),
          ratio: ratio(api.p99, floor.p99),
          metric: 'read.p99.ratio',
        },
      ],
      metrics: {
        'read.p50.ratio': ratio(api.p50, floor.p50),
        'read.p99.ratio': ratio(api.p99, floor.p99),
      },
      details: { samples: pairs, warmup, api, floor },
    };
  },
};
