import { cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { COUNTER_SLOTS, mailingKeys, SEND_SHARDS } from '../../shared/marketing/keys.ts';
import { SENDER_VISIBILITY_SECONDS } from '../../shared/marketing/settings.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import type { Case } from '../case.ts';
import { signUp } from '../dataset.ts';
import { processCpuSeconds } from '../machine.ts';
import { inParallel } from '../progress.ts';
import { contactTransaction } from '../replay.ts';
import { cloneContacts } from '../seed.ts';
import { ratio } from '../stats.ts';

/**
 * The campaign send rate: one campaign to 10,000 consenting recipients, with a configured send
 * rate of 500 emails a second (the campaign's `maxSendRate`, and the SES account's MaxSendRate the
 * local SES reports). Measured: the rate achieved between the first and the last email (from the
 * send records' `sentAt`), against the configured cap; duplicates (emails in the SES store per
 * recipient beyond the first); and memory: the heap before the send and after it, once the SES
 * emulator's store (which keeps every email, in this process) is emptied, both after a full
 * garbage collection, with the peak heap sampled during the send.
 *
 * Where the rate goes, side by side: the CPU this process and DynamoDB Local used while sending,
 * as a share of the machine, and the database's ceiling measured right after the send (items a
 * second that raw transactions of the send's shape and average size write, divided by the items
 * the send wrote per email): a rate far under the cap but near that ceiling is the machine's, not
 * the pacing's.
 * The audience is cloned from one contact created through the API (bench/seed.ts): 10,000 API
 * creations would take minutes and measure contact creation, which the write case already does.
 */
const RECIPIENTS = 10_000;
const RATE = 500;
/** Transactions in flight for the database ceiling: about what the senders and consumers keep. */
const CONCURRENT = 16;

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function heapMb(): number {
  return process.memoryUsage().heapUsed / 1024 ** 2;
}

function settledHeapMb(): number {
  gc();
  gc();
  return heapMb();
}

export const campaignCase: Case = {
  id: 'campaign',
  title: 'Campaign send rate',
  async run({ runtime, raw, tableName, databasePid, meter, progress, quick }) {
    const recipients = quick ? 2_000 : RECIPIENTS;
    const tenant = await signUp(runtime, 'campaign');
    const { api } = tenant;
    const email = (i: number) => `reader-${i}@campaign.bench.example`;
    const { result: first, input } = await meter.nextTransaction(() =>
      api.expect(201, 'POST', '/v1/contacts', {
        firstName: 'Mary',
        lastName: 'Jackson',
        email: email(0),
        lifecycleStage: 'customer',
        marketingConsent: { status: 'granted', source: 'newsletter form' },
      }),
    );
    const template = contactTransaction(input, { contactId: String(first.json.id), email: email(0) });
    const others = Array.from({ length: recipients - 1 }, (_, i) => email(i + 1));
    const ids = await progress.run(
      `campaign: ${recipients.toLocaleString('en')} recipients`,
      recipients,
      async (phase) => {
        phase.tick();
        return [String(first.json.id), ...(await cloneContacts(raw, tableName, template, others, phase))];
      },
    );

    await api.expect(201, 'POST', '/v1/topics', { id: 'bench-news', name: 'Bench news' });
    const mail = await api.expect(201, 'POST', '/v1/templates', {
      name: 'Spring news',
      subject: 'Hello {{firstName | "there"}}, our spring news',
      html: '<p>Hi {{firstName | "there"}},</p><p>Here is what is new this spring.</p>',
      text: 'Hi {{firstName | "there"}}, here is what is new this spring.',
    });
    const list = await api.expect(201, 'POST', '/v1/lists', { name: 'Readers' });
    const chunks = Array.from({ length: Math.ceil(ids.length / 500) }, (_, c) =>
      ids.slice(c * 500, c * 500 + 500),
    );
    await inParallel(chunks, 2, (contactIds) =>
      api.expect(200, 'POST', `/v1/lists/${list.json.id}/members`, { contactIds }),
    );
    const campaign = await api.expect(201, 'POST', '/v1/campaigns', {
      name: 'Spring news',
      audience: { lists: [list.json.id] },
      topicId: 'bench-news',
      templateId: mail.json.id,
      maxSendRate: RATE,
    });
    const campaignId = String(campaign.json.id);
    await runtime.settle();
    const sesBefore = (await sesStore(runtime.urls.mailViewer)).length;

    const heapBefore = settledHeapMb();
    meter.start({ capacity: false });
    let heapPeak = heapBefore;
    let rssPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, heapMb());
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 200);
    const cpuBefore = { node: process.cpuUsage(), database: cpuOf(databasePid), at: performance.now() };
    const stats = await progress.run(`campaign: send at ${RATE}/s`, recipients, async (phase) => {
      let reported = 0;
      await api.expect(200, 'POST', `/v1/campaigns/${campaignId}/send`);
      // Not settled while it sends: settling delivers the queues' batches at once, and the
      // send is measured with the batching windows it has on AWS (SES events in batches). A
      // batch backing off after a throttle waits in its queue, and one whose sender failed
      // midway comes back only after the queue's visibility timeout: look again until the
      // mailing is done, or until that long and a minute more pass without progress (a run
      // under load once gave up after a minute at 9,999 of 10,000).
      const patienceMs = (SENDER_VISIBILITY_SECONDS + 60) * 1000;
      for (let last = -1, progressed = performance.now(); performance.now() - progressed < patienceMs; ) {
        // Once a second, as a user watching the campaign's statistics would (the progress bar).
        const now = (await api.get(`/v1/campaigns/${campaignId}/stats`)).json;
        const sent = Number(now?.counts?.sent ?? 0);
        if (sent > reported) phase.tick(sent - reported);
        reported = Math.max(reported, sent);
        if (now?.status !== 'sending') break;
        const done = Number(now.counts.sent) + Number(now.counts.failed) + Number(now.counts.skipped);
        if (done !== last) progressed = performance.now();
        last = done;
        await new Promise((r) => setTimeout(r, 1000));
      }
      await runtime.settle();
      const final = (await api.expect(200, 'GET', `/v1/campaigns/${campaignId}/stats`)).json;
      phase.tick(Math.max(0, Number(final.counts.sent) - reported));
      return final as { status: string; counts: { sent: number; failed: number; skipped: number } };
    });
    clearInterval(sampler);
    const cpu = busy(cpuBefore, databasePid);
    const callsByCommand: Record<string, number> = {};
    let itemsWritten = 0;
    let transactionItems = 0;
    let keysRead = 0;
    for (const call of meter.stop()) {
      callsByCommand[call.command] = (callsByCommand[call.command] ?? 0) + 1;
      itemsWritten += call.items;
      keysRead += call.readKeys;
      if (call.command === 'TransactWriteItems') transactionItems += call.items;
    }
    const tableCalls = Object.values(callsByCommand).reduce((sum, n) => sum + n, 0);

    const delivered = await deliveries(runtime.urls.mailViewer, sesBefore);
    const duplicates = delivered.emails - delivered.recipients;
    // Measured before the harness reads the send records: only what the product kept is left.
    await fetch(`${runtime.urls.mailViewer}/clear-store`, { method: 'POST' });
    const heapAfter = settledHeapMb();
    const records = await sendRecords(raw, tableName, tenant.tenantId, campaignId);
    const sentAt = records.map((r) => r.sentAt);

    const seconds = (Math.max(...sentAt) - Math.min(...sentAt)) / 1000;
    const achieved = seconds > 0 ? (sentAt.length - 1) / seconds : 0;
    if (stats.counts.sent !== recipients || delivered.recipients !== recipients)
      throw new Error(
        `The campaign sent ${stats.counts.sent} emails (${delivered.recipients} recipients in the SES store) to ${recipients} recipients (${stats.status}).`,
      );
    // The send writes its items in transactions of this size on average (the sender's batches,
    // the deliveries and the metering of a queue batch): the raw ceiling writes the same.
    const itemsPerEmail = itemsWritten / recipients;
    const itemsPerTransaction = Math.max(
      2,
      Math.min(100, Math.round(transactionItems / Math.max(1, callsByCommand.TransactWriteItems ?? 0))),
    );
    // And it reads (the recipients' records and contacts, the mailing, its counters): the raw
    // ceiling reads as many keys per item written, in batches of the send's average size.
    const readsPerItem = keysRead / Math.max(1, itemsWritten);
    const keysPerRead = Math.max(
      1,
      Math.min(
        100,
        Math.round(
          keysRead / Math.max(1, (callsByCommand.GetItem ?? 0) + (callsByCommand.BatchGetItem ?? 0)),
        ),
      ),
    );
    const ceilingItems = await progress.run('campaign: the database ceiling, raw', 1, async (phase) => {
      const measured = await transactionCeiling(
        raw,
        tableName,
        records,
        Math.ceil((quick ? 2_000 : 6_000) / itemsPerTransaction),
        itemsPerTransaction,
        { perItem: readsPerItem, perCall: keysPerRead },
      );
      phase.tick();
      return measured;
    });
    const ceiling = ceilingItems / itemsPerEmail;
    return {
      id: 'campaign',
      title: 'Campaign send rate',
      rows: [
        {
          measure: `${recipients.toLocaleString('en')} recipients: achieved rate vs the configured ${RATE}/s`,
          funnel: `${achieved.toFixed(0)}/s`,
          floor: `${RATE}/s`,
          ratio: ratio(achieved, RATE),
          metric: 'campaign.rateShare',
        },
        {
          measure: `  achieved vs the database's ceiling (raw items/s in transactions of ${itemsPerTransaction}, ${readsPerItem.toFixed(1)} keys read an item, ÷ ${itemsPerEmail.toFixed(2)} items per email)`,
          funnel: `${achieved.toFixed(0)}/s`,
          floor: `${ceiling.toFixed(0)}/s`,
          ratio: ratio(achieved, ceiling),
          metric: 'campaign.ceilingShare',
        },
        {
          measure: '  table calls per email, all functions of the send',
          funnel: (tableCalls / recipients).toFixed(2),
          metric: 'campaign.tableCallsPerEmail',
        },
        {
          measure: '  CPU busy while sending: this process + DynamoDB Local, of both cores',
          funnel:
            cpu.database === undefined
              ? `${(cpu.node / cpu.seconds).toFixed(2)} cores (DynamoDB Local not measured)`
              : `${(cpu.node / cpu.seconds).toFixed(2)} + ${(cpu.database / cpu.seconds).toFixed(2)} cores`,
          floor: `${cpu.cores} cores`,
          ...(cpu.database === undefined ? {} : { ratio: cpu.share, metric: 'campaign.cpuShare' }),
        },
        {
          measure: 'duplicates (emails to a recipient beyond the first)',
          funnel: String(duplicates),
          metric: 'campaign.duplicates',
        },
        {
          measure: 'heap kept after the send, SES store emptied (MB)',
          funnel: `${(heapAfter - heapBefore).toFixed(1)} MB`,
          metric: 'campaign.retainedMb',
        },
        {
          measure: 'heap peak during the send, SES store included (MB above the start)',
          funnel: `${(heapPeak - heapBefore).toFixed(1)} MB`,
        },
      ],
      metrics: {
        'campaign.rateShare': ratio(achieved, RATE),
        'campaign.ceilingShare': ratio(achieved, ceiling),
        'campaign.duplicates': duplicates,
        'campaign.tableCallsPerEmail': tableCalls / recipients,
        'campaign.retainedMb': heapAfter - heapBefore,
        ...(cpu.database === undefined ? {} : { 'campaign.cpuShare': cpu.share }),
      },
      details: {
        recipients,
        configuredRate: RATE,
        achievedRate: achieved,
        sendingSeconds: seconds,
        databaseCeiling: {
          itemsPerSecond: ceilingItems,
          itemsPerTransaction,
          keysReadPerItem: readsPerItem,
          keysPerRead,
          itemsPerEmail,
          emailsPerSecond: ceiling,
        },
        emails: delivered.emails,
        distinctRecipients: delivered.recipients,
        stats,
        tableCalls: callsByCommand,
        heapMb: { before: heapBefore, peak: heapPeak, after: heapAfter },
        rssPeakMb: rssPeak / 1024 ** 2,
        cpuSeconds: cpu,
      },
    };
  },
};

function cpuOf(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : processCpuSeconds(pid);
}

/**
 * The CPU both processes of the send used (this one runs the API, queues and functions; DynamoDB
 * Local is the other), as a share of all cores over the sending time: near 1, the machine, not the
 * pacing, decided the rate.
 */
function busy(
  before: { node: NodeJS.CpuUsage; database: number | undefined; at: number },
  databasePid: number | undefined,
) {
  const seconds = (performance.now() - before.at) / 1000;
  const used = process.cpuUsage(before.node);
  const node = (used.user + used.system) / 1e6;
  const after = cpuOf(databasePid);
  const database = after === undefined || before.database === undefined ? undefined : after - before.database;
  const cores = cpus().length;
  return { seconds, cores, node, database, share: (node + (database ?? 0)) / (seconds * cores) };
}

interface StoredMail {
  destination: { to: string[] };
}

/**
 * The emails SES took since the store held `before` of them, and to how many distinct recipients:
 * duplicates are counted from what was sent, not from the pipeline's own records.
 */
async function deliveries(mailViewer: string, before: number) {
  const mails = (await sesStore(mailViewer)).slice(before);
  const recipients = new Set(mails.flatMap((m) => m.destination.to.map((to) => to.toLowerCase())));
  return { emails: mails.reduce((sum, m) => sum + m.destination.to.length, 0), recipients: recipients.size };
}

async function sesStore(mailViewer: string): Promise<StoredMail[]> {
  const store = (await (await fetch(`${mailViewer}/store`)).json()) as { emails: StoredMail[] };
  return store.emails;
}

interface SendRecord {
  key: { PK: { S: string }; SK: { S: string } };
  sentAt: number;
}

/** Every send record of the mailing (its key and when its email went out), shard by shard. */
async function sendRecords(
  raw: DynamoDBClient,
  tableName: string,
  tenantId: string,
  mailingId: string,
): Promise<SendRecord[]> {
  const records: SendRecord[] = [];
  for (let shard = 0; shard < SEND_SHARDS; shard++) {
    let start: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const page: QueryCommandOutput = await raw.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :send)',
          ExpressionAttributeValues: {
            ':pk': { S: mailingKeys.shard(asTenantId(tenantId), mailingId, shard) },
            ':send': { S: 'SEND#' },
          },
          ProjectionExpression: 'PK, SK, sentAt',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? [])
        if (item.sentAt?.S)
          records.push({
            key: { PK: { S: item.PK!.S! }, SK: { S: item.SK!.S! } },
            sentAt: Date.parse(item.sentAt.S),
          });
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return records;
}

/**
 * The database's ceiling on this machine, measured right after the send: raw TransactWriteItems
 * of `size` items of the send's shape (conditional updates of send records and an increment of a
 * counter item, here harness-only attributes, so the mailing's figures do not change), `count` of
 * them, CONCURRENT at once, each followed by its share of reads: `reads.perItem` keys per item
 * written, `reads.perCall` keys to a BatchGetItem of send records (a GetItem when 1), as the send
 * read them. Returns items written a second.
 */
async function transactionCeiling(
  raw: DynamoDBClient,
  tableName: string,
  records: readonly SendRecord[],
  count: number,
  size: number,
  reads: { perItem: number; perCall: number },
): Promise<number> {
  const at = { S: new Date().toISOString() };
  // Read calls after transaction i: spread evenly, so that `count` transactions make them all.
  const callsPerTransaction = (size * reads.perItem) / reads.perCall;
  const readsAfter = (i: number) =>
    Math.floor((i + 1) * callsPerTransaction) - Math.floor(i * callsPerTransaction);
  const read = (i: number, n: number) => {
    const keys = Array.from(
      { length: reads.perCall },
      (_, k) => records[(i * 7 + n * 13 + k) % records.length]!.key,
    );
    return reads.perCall === 1
      ? raw.send(new GetItemCommand({ TableName: tableName, Key: keys[0]!, ConsistentRead: true }))
      : raw.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
  };
  const started = performance.now();
  await inParallel(
    Array.from({ length: count }, (_, i) => i),
    CONCURRENT,
    async (i) => {
      await write(i);
      for (let n = 0; n < readsAfter(i); n++) await read(i, n);
    },
  );
  return (count * size) / ((performance.now() - started) / 1000);

  function write(i: number) {
    return raw.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          ...Array.from({ length: size - 1 }, (_, k) => {
            const record = records[(i * (size - 1) + k) % records.length]!;
            return {
              Update: {
                TableName: tableName,
                Key: record.key,
                UpdateExpression: 'SET #mark = :at',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeNames: { '#mark': 'benchCeilingAt' },
                ExpressionAttributeValues: { ':at': at },
              },
            };
          }),
          {
            Update: {
              TableName: tableName,
              Key: {
                PK: records[i % records.length]!.key.PK,
                SK: { S: `BENCH#CEILING#${i % COUNTER_SLOTS}` },
              },
              UpdateExpression: 'ADD #n :one',
              ExpressionAttributeNames: { '#n': 'count' },
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
        ],
      }),
    );
  }
}
