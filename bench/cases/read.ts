import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { contactKeys } from '../../shared/contacts/keys.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { type Case, ms } from '../case.ts';
import { Connection } from '../connection.ts';
import { seeded } from '../dataset.ts';
import { ratio, rotated, type Summary, summarize } from '../stats.ts';

/**
 * GET /v1/contacts/{id} over HTTP (local API Gateway, cached authorizer, the contacts function)
 * against the one GetItem of the same item the API cannot avoid, sent with the SDK: eventually
 * consistent, as the API reads it. Two more sides, measured in the same rounds, show where the
 * difference goes: the contacts service called in this process (its DynamoDB access and mapping),
 * and the contacts function invoked in this process with the event API Gateway would give it
 * (the HTTP conventions around the service). And one more shows what the HTTP hop itself costs
 * here: a bare node:http server in this process whose only work is the same GetItem, called over
 * the same kind of connection. Each round starts with the next side.
 */
export const readCase: Case = {
  id: 'read',
  title: 'Read a contact',
  async run({ runtime, raw, tableName, progress, quick, dataSet }) {
    const data = await dataSet();
    const { main } = data;
    const tenant = asTenantId(main.tenantId);
    const random = seeded(1);
    const warmup = quick ? 100 : 300;
    const rounds = quick ? 400 : 2000;
    const picks = Array.from({ length: warmup + rounds }, () => random.pick(main.contacts).id);
    // Imported now: these modules read the environment the runtime has set.
    const { getContact } = await import('../../shared/contacts/records.ts');
    const { tenantContext } = await import('../../shared/platform/context.ts');
    const authorizer = (await runtime.lambda.invoke('authorizer', {
      headers: { authorization: `Bearer ${main.adminKey}` },
    })) as { context: { memberId: string; keyId: string } };
    const member = authorizer.context;
    const connection = await Connection.open(runtime.urls.api, main.adminKey);
    const getItem = (id: string) => {
      const key = contactKeys.contact(tenant, id);
      return raw.send(
        new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }),
      );
    };
    const bare = createServer((req, res) => {
      const id = req.url!.split('/').at(-1)!;
      req.resume();
      getItem(id).then(({ Item }) => {
        const body = JSON.stringify(Item ?? {});
        res.writeHead(Item ? 200 : 404, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareConnection = await Connection.open(
      `http://127.0.0.1:${(bare.address() as AddressInfo).port}`,
      main.adminKey,
    );
    let errors = 0;
    const sides = [
      async (i: number) => {
        const answer = await connection.get(`/v1/contacts/${picks[i]}`);
        if (answer.status !== 200) errors++;
      },
      async (i: number) => {
        const id = picks[i]!;
        const path = `/v1/contacts/${id}`;
        const result = (await runtime.lambda.invoke('contacts-api', {
          version: '2.0',
          routeKey: 'GET /v1/contacts/{id}',
          rawPath: path,
          rawQueryString: '',
          headers: { authorization: `Bearer ${main.adminKey}`, host: '127.0.0.1' },
          pathParameters: { id },
          requestContext: {
            requestId: `bench-${i}`,
            http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
            authorizer: { lambda: authorizer.context },
          },
          isBase64Encoded: false,
        })) as { statusCode: number };
        if (result.statusCode !== 200) errors++;
      },
      async (i: number) => {
        const ctx = tenantContext({
          tenantId: tenant,
          actor: { type: 'member', memberId: member.memberId, role: 'admin', keyId: member.keyId },
          fenced: true,
        });
        await getContact(ctx, picks[i]!);
      },
      async (i: number) => {
        const answer = await bareConnection.get(`/contacts/${picks[i]}`);
        if (answer.status !== 200) errors++;
      },
      async (i: number) => {
        const { Item } = await getItem(picks[i]!);
        if (!Item) errors++;
      },
    ];
    const times = await progress.run('read: GET /v1/contacts/{id}', warmup + rounds, async (phase) => {
      await rotated(warmup, sides, () => phase.tick());
      const shifted = sides.map((side) => (i: number) => side(warmup + i));
      return rotated(rounds, shifted, () => phase.tick());
    });
    connection.close();
    bareConnection.close();
    bare.close();
    if (errors) throw new Error(`The read case saw ${errors} failed reads.`);
    const [api, handler, service, hop, floor] = times.map(summarize) as [
      Summary,
      Summary,
      Summary,
      Summary,
      Summary,
    ];
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
        {
          measure: '  p50 of the function alone, invoked in process',
          funnel: ms(handler.p50),
          floor: ms(floor.p50),
          ratio: ratio(handler.p50, floor.p50),
        },
        {
          measure: '  p50 of the contacts service alone (getContact)',
          funnel: ms(service.p50),
          floor: ms(floor.p50),
          ratio: ratio(service.p50, floor.p50),
        },
        {
          measure: '  p50 of a bare HTTP server doing only the GetItem',
          funnel: ms(hop.p50),
          floor: ms(floor.p50),
          ratio: ratio(hop.p50, floor.p50),
        },
      ],
      metrics: {
        'read.p50.ratio': ratio(api.p50, floor.p50),
        'read.p99.ratio': ratio(api.p99, floor.p99),
      },
      details: { samples: rounds, warmup, api, handler, service, bareHttpServer: hop, floor },
    };
  },
};
