import { linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { DuckDBConnection } from '@duckdb/node-api';
import { application } from '../../functions/app/index.ts';
import { tableViewSql } from '../../infra/local/aws/athena.ts';
import { duckType, sqlName, sqlString } from '../../infra/local/aws/duckdb.ts';
import { newId } from '../../shared/platform/ids.ts';
import { resolvePeriod } from '../../shared/reports/period.ts';
import { Sql } from '../../shared/reports/sql.ts';
import { standardReport } from '../../shared/reports/standard.ts';
import { FACTS_TABLE } from '../../shared/warehouse/schema.ts';
import type { Bench, Case, CaseResult } from '../case.ts';
import { ms } from '../case.ts';
import { signUp } from '../dataset.ts';
import { median, ratio } from '../stats.ts';

/**
 * The warehouse's cases (issue 14), on facts written straight into the local S3's layout by DuckDB
 * (the report cases measure queries, not ingestion):
 * - report speed: a standard report (sales closed, by quarter, over a year) of a tenant with a
 *   million facts among ten tenants, through the API (HTTP, authorizer, cache bypassed with
 *   `Cache-Control: no-cache`, the Athena API, the local Athena), against DuckDB running the same
 *   SQL with the same parameters on the same files in this process;
 * - pruning: the bytes the same query reads (the local Athena's DataScannedInBytes) before and
 *   after ten times more facts of the other tenants land (one tenant's written, the others' the
 *   same files linked under their partitions; the case counts 12 million facts in all);
 * - ingest: events put on the bus at the campaign case's event rate (a 500-a-second send makes
 *   about two SES events and a little domain traffic per email) go through the rule, the local
 *   Firehose, the transformation (dimensions read from DynamoDB) and Parquet: the warehouse keeps up
 *   when it turns them into facts faster than they arrive.
 */
const FACTS = 1_000_000;
const TENANTS = 10;
const RUNS = 7;
const EVENT_RATE = 1_000;
const table = application.tables.find((t) => t.name === FACTS_TABLE)!;

async function duckdb(): Promise<DuckDBConnection> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('SET enable_external_file_cache = false');
  return connection;
}

/** Where a tenant's facts are, in the local S3's layout. */
const tenantDirectory = (root: string, tenantId: string) =>
  join(root, table.bucket, table.prefix, `tenant=${tenantId}`);

/** `count` facts of a tenant over 2025, won and lost deals among other events, one file per day. */
async function writeFacts(
  connection: DuckDBConnection,
  root: string,
  tenantId: string,
  count: number,
  tag: string,
) {
  const directory = tenantDirectory(root, tenantId);
  mkdirSync(directory, { recursive: true });
  const given: Record<string, string> = {
    event_id: `'${tag}-' || i`,
    event_type: `CASE WHEN i % 4 = 0 THEN 'DealWon' WHEN i % 4 = 1 THEN 'DealLost' WHEN i % 4 = 2 THEN 'ActivityLogged' ELSE 'OrderPlaced' END`,
    module: `'sales'`,
    occurred_at: `TIMESTAMP '2025-01-01 00:00:00' + to_seconds(CAST(hash(i) % 31536000 AS BIGINT))`,
    ingested_at: `TIMESTAMP '2025-01-01 00:00:00'`,
    owner_id: `'owner-' || (i % 7)`,
    team: `CASE WHEN i % 2 = 0 THEN 'North' ELSE 'South' END`,
    pipeline_id: `'pipeline-1'`,
    deal_id: `'deal-' || i`,
    contact_id: `'contact-' || (i % 5000)`,
    amount: `CAST(1000 + (i % 9000) AS BIGINT)`,
    currency: `'EUR'`,
    country: `CASE WHEN i % 3 = 0 THEN 'FR' WHEN i % 3 = 1 THEN 'DE' ELSE 'ES' END`,
  };
  const select = table.columns
    .map((c) => `${given[c.name] ?? `CAST(NULL AS ${duckType(c.type)})`} AS ${sqlName(c.name)}`)
    .join(', ');
  await connection.run(
    `COPY (SELECT ${select}, strftime(occurred_at, '%Y-%m-%d') AS dt FROM (SELECT i, TIMESTAMP '2025-01-01 00:00:00' + to_seconds(CAST(hash(i) % 31536000 AS BIGINT)) AS occurred_at FROM range(${count}) AS r(i)) AS source)
     TO ${sqlString(directory)} (FORMAT parquet, PARTITION_BY (dt), FILENAME_PATTERN ${sqlString(`${tag}-{i}`)}, OVERWRITE_OR_IGNORE)`,
  );
}

/**
 * The facts `tag` wrote for `from`, as facts of `to` too: the same files, hard-linked under `to`'s
 * partition. A file holds no tenant (the tenant is the path's `tenant=` partition, as Firehose
 * writes it), so the copies are facts of `to` for every query. Writing 10 million facts with
 * DuckDB took 67 s of the run; the pruning case needs them present, not each one computed.
 */
function sameFacts(root: string, from: string, to: string, tag: string) {
  const source = tenantDirectory(root, from);
  for (const day of readdirSync(source)) {
    const target = join(tenantDirectory(root, to), day);
    mkdirSync(target, { recursive: true });
    for (const file of readdirSync(join(source, day)))
      if (file.startsWith(`${tag}-`)) linkSync(join(source, day, file), join(target, file));
  }
}

async function reportQuery(tenantId: string) {
  const period = resolvePeriod({
    from: '2025-01-01',
    to: '2025-12-31',
    grain: 'quarter',
    timeZone: 'Europe/Paris',
  });
  return (await standardReport('sales-closed'))!.compile(new Sql('duckdb', 'funnel'), {
    tenantId,
    period,
    filters: {},
    currency: 'EUR',
    by: 'none',
    now: new Date('2026-06-01T00:00:00Z'),
  });
}

async function scanned(bench: Bench, tenantId: string): Promise<number> {
  // Imported now: the module reads the configuration the runtime has set.
  const { literal } = await import('../../shared/warehouse/query.ts');
  const { sql, parameters } = await reportQuery(tenantId);
  const { athena } = bench.runtime;
  const { QueryExecutionId } = athena.startQueryExecution({
    QueryString: sql,
    WorkGroup: 'funnel-local',
    ExecutionParameters: parameters.map(literal),
  });
  await athena.idle();
  return athena.getQueryExecution({ QueryExecutionId }).QueryExecution.Statistics.DataScannedInBytes;
}

export const reportSpeedCase: Case = {
  id: 'report-speed',
  title: 'Warehouse: report speed and pruning',
  alsoReports: ['report-pruning'],
  async run(bench): Promise<CaseResult> {
    const { runtime, progress, quick } = bench;
    const facts = quick ? FACTS / 10 : FACTS;
    const connection = await duckdb();
    const main = await signUp(runtime, 'warehouse');
    const others = Array.from({ length: TENANTS - 1 }, () => newId());
    const root = runtime.s3.store.root;
    await progress.run('Writing the facts of ten tenants', 1, async (phase) => {
      await writeFacts(connection, root, main.tenantId, facts, 'bench');
      for (const other of others)
        await writeFacts(connection, root, other, Math.ceil(facts / (TENANTS - 1)), 'bench');
      phase.tick();
    });
    await connection.run(`CREATE SCHEMA funnel`);
    await connection.run(`CREATE VIEW funnel.${FACTS_TABLE} AS ${tableViewSql(table, root, true)}`);
    const { sql, parameters } = await reportQuery(main.tenantId);
    const path = '/v1/reports/sales-closed?from=2025-01-01&to=2025-12-31&grain=quarter';
    const api: number[] = [];
    const direct: number[] = [];
    let won = 0;
    await progress.run('Timing the report against DuckDB alone', RUNS + 1, async (phase) => {
      for (let run = 0; run <= RUNS; run++) {
        // Alternately, so a busy moment of the machine weighs on both; the first run warms up.
        const startedApi = performance.now();
        const response = await main.api.send('GET', path, undefined, { 'cache-control': 'no-cache' });
        const apiMs = performance.now() - startedApi;
        if (response.status !== 200)
          throw new Error(`The report answered ${response.status}: ${response.text}`);
        won = (response.json.rows as Array<{ won: number }>).reduce((sum, r) => sum + r.won, 0);
        const startedDirect = performance.now();
        const prepared = await connection.prepare(sql);
        prepared.bind(parameters as never);
        await prepared.runAndReadAll();
        const directMs = performance.now() - startedDirect;
        if (run > 0) {
          api.push(apiMs);
          direct.push(directMs);
        }
        phase.tick();
      }
    });
    const before = await scanned(bench, main.tenantId);
    await progress.run('Ten times more facts for the other tenants', 1, async (phase) => {
      const [model, ...rest] = others as [string, ...string[]];
      await writeFacts(connection, root, model, Math.ceil((facts * 10) / (TENANTS - 1)), 'more');
      for (const other of rest) sameFacts(root, model, other, 'more');
      phase.tick();
    });
    // Every tenant's facts are there: the main tenant's 1,000,000, and 11 times that of the others.
    const counted = await connection.runAndReadAll(`SELECT count(*) AS n FROM funnel.${FACTS_TABLE}`);
    const total = Number(counted.getRowObjects()[0]!.n);
    if (total < facts * 12) throw new Error(`The warehouse holds ${total} facts, not ${facts * 12}.`);
    const after = await scanned(bench, main.tenantId);
    connection.closeSync();
    const speed = ratio(median(api), median(direct));
    const pruning = after / before;
    return {
      id: this.id,
      title: this.title,
      rows: [
        {
          measure: `Sales closed by quarter over ${facts.toLocaleString('en')} facts (of ${(facts * 2).toLocaleString('en')}), median of ${RUNS}`,
          funnel: ms(median(api)),
          floor: ms(median(direct)),
          ratio: speed,
          metric: 'report-speed.ratio',
        },
        {
          measure: 'Bytes read, with 10x more facts of other tenants',
          funnel: `${(after / 1024).toFixed(0)} KB`,
          floor: `${(before / 1024).toFixed(0)} KB`,
          ratio: pruning,
          metric: 'report-pruning.bytesRatio',
        },
      ],
      metrics: { 'report-speed.ratio': speed, 'report-pruning.bytesRatio': pruning },
      details: { api, direct, bytesBefore: before, bytesAfter: after, wonDeals: won, factsInAll: total },
    };
  },
};

export const ingestCase: Case = {
  id: 'ingest',
  title: 'Warehouse: ingest keeps up with a campaign',
  async run(bench): Promise<CaseResult> {
    const { runtime, progress, quick } = bench;
    const data = await bench.dataSet();
    const tenant = data.main;
    // Per event, the flush costs the same at 5,000 as at 30,000 (the transformation works in chunks
    // of the processor's buffer); the puts, not timed, are what a larger number would lengthen.
    const events = quick ? 2_000 : 5_000;
    const client = new EventBridgeClient({});
    const contacts = tenant.contacts;
    await progress.run(
      `Putting ${events.toLocaleString('en')} events on the bus`,
      events / 10,
      async (phase) => {
        for (let i = 0; i < events; i += 10) {
          const entries = Array.from({ length: 10 }, (_, j) => {
            const contact = contacts[(i + j) % contacts.length]!;
            return {
              EventBusName: 'funnel-local',
              Source: 'funnel.sales',
              DetailType: 'OrderPlaced',
              Detail: JSON.stringify({
                orderId: newId(),
                contactId: contact.id,
                ownerId: contact.ownerId,
                productIds: [],
                total: 1000,
                currency: 'EUR',
                backordered: false,
                eventId: newId(),
                tenantId: tenant.tenantId,
                occurredAt: new Date().toISOString(),
              }),
            };
          });
          await client.send(new PutEventsCommand({ Entries: entries }));
          phase.tick();
        }
      },
    );
    await runtime.bus.idle();
    // Timed: the flush of what waits in the buffer. The stream also delivers by itself once its
    // oldest record is 60 s old; what it delivered during the puts is not counted, so the figure
    // does not depend on how long the puts took, nor on how many events there are.
    const flushed = runtime.firehose.buffered;
    const started = performance.now();
    await runtime.firehose.flush();
    const seconds = (performance.now() - started) / 1000;
    client.destroy();
    if (flushed < events / 10)
      throw new Error(`Only ${flushed} of ${events} events were still buffered: nothing to time.`);
    const capacity = flushed / seconds;
    return {
      id: this.id,
      title: this.title,
      rows: [
        {
          measure: `${flushed.toLocaleString('en')} events to Parquet facts (transformed, enriched): events a second vs the ${EVENT_RATE}/s a campaign makes`,
          funnel: `${capacity.toFixed(0)}/s`,
          floor: `${EVENT_RATE}/s`,
          ratio: capacity / EVENT_RATE,
          metric: 'ingest.capacityRatio',
        },
      ],
      metrics: { 'ingest.capacityRatio': capacity / EVENT_RATE },
      details: { events, flushed, seconds },
    };
  },
};
