import { BatchGetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { contactKeys } from '../../shared/contacts/keys.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { type Case, ms, type Row } from '../case.ts';
import { interleaved, ratio, summarize } from '../stats.ts';

const PAGE = 25;

/**
 * A page of contacts by tag and by owner (GET /v1/contacts?tag= and ?ownerId=) against the raw
 * reads of the same access pattern (docs/data-model.md): by owner, one Query of GSI3, which
 * projects the contacts whole; by tag, one Query of the tag's index items in GSI2, then one
 * BatchGetItem of the contacts they name (a contact has many tags, so its tags cannot be keys of
 * the contact item itself).
 */
export const listCase: Case = {
  id: 'list',
  title: 'List contacts',
  async run({ raw, tableName, progress, quick, dataSet }) {
    const data = await dataSet();
    const { main } = data;
    const tenant = asTenantId(main.tenantId);
    const tags = data.tags.slice(0, 4);
    const owners = main.members;
    const warmup = quick ? 30 : 100;
    const pairs = quick ? 100 : 500;
    let errors = 0;
    const page = async (path: string) => {
      const response = await main.api.get(path);
      if (response.status !== 200 || response.json.items.length === 0) errors++;
    };
    const query = (index: string, partition: string) =>
      raw.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': `${index}PK` },
          ExpressionAttributeValues: { ':pk': { S: partition } },
          Limit: PAGE,
        }),
      );
    const byTag = {
      api: (i: number) => page(`/v1/contacts?tag=${tags[i % tags.length]}&limit=${PAGE}`),
      sdk: async (i: number) => {
        const { Items = [] } = await query('GSI2', contactKeys.byTag(tenant, tags[i % tags.length]!));
        const keys = Items.map((item) => contactKeys.contact(tenant, item.contactId!.S!));
        await raw.send(
          new BatchGetItemCommand({
            RequestItems: { [tableName]: { Keys: keys.map((k) => ({ PK: { S: k.PK }, SK: { S: k.SK } })) } },
          }),
        );
      },
    };
    const byOwner = {
      api: (i: number) => page(`/v1/contacts?ownerId=${owners[i % owners.length]}&limit=${PAGE}`),
      sdk: async (i: number) => {
        await query('GSI3', contactKeys.byOwner(tenant, owners[i % owners.length]!));
      },
    };
    const rows: Row[] = [];
    const metrics: Record<string, number> = {};
    const details: Record<string, unknown> = {};
    for (const [name, side, floorName] of [
      ['tag', byTag, 'Query + BatchGetItem'],
      ['owner', byOwner, 'Query'],
    ] as const) {
      const times = await progress.run(`list: a page by ${name}`, warmup + pairs, async (phase) => {
        await interleaved(warmup, side.api, side.sdk, () => phase.tick());
        return interleaved(pairs, side.api, side.sdk, () => phase.tick());
      });
      const api = summarize(times.a);
      const floor = summarize(times.b);
      for (const q of ['p50', 'p99'] as const) {
        const metric = `list.${name}.${q}.ratio`;
        rows.push({
          measure: `${PAGE} contacts by ${name} ${q} vs ${floorName}`,
          funnel: ms(api[q]),
          floor: ms(floor[q]),
          ratio: ratio(api[q], floor[q]),
          metric,
        });
        metrics[metric] = ratio(api[q], floor[q]);
      }
      details[name] = { samples: pairs, warmup, api, floor };
    }
    if (errors) throw new Error(`The list case saw ${errors} failed or empty pages.`);
    return { id: 'list', title: 'List contacts', rows, metrics, details };
  },
};
