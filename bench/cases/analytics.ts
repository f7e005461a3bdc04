import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { newId } from '../../shared/platform/ids.ts';
import type { Case } from '../case.ts';
import { signUp } from '../dataset.ts';

/**
 * Scores written back (issue 15): a daily RFM run over 10,000 customers (5,000 with --quick)
 * whose segments did not move, against the database's raw batch-write rate measured in the same
 * run: the same items (same keys, same size) by BatchWriteItem, 25 a request, 16 requests in
 * flight, with no product code. Both replace items that exist, as a daily run does: the previous
 * day's scores are written first, raw (not measured; the product's first run over empty contacts
 * is a different operation, with an event per contact). The product's run also reads each
 * contact's previous segment (by Query of the index per segment), which is what tells it who
 * changed segment; the target is ≥ 0.8 of the raw rate. Two passes of each side, in ABBA order.
 */
const IN_FLIGHT = 16;

export const scoringCase: Case = {
  id: 'analytics-scores',
  title: 'Scores written back to contacts vs raw BatchWriteItem',
  async run({ runtime, raw, tableName, quick, progress }) {
    // 10,000: the ratio over 100,000 was the same (0.96, against 0.89 to 1.08 over 10,000; the
    // work is per batch of 25, and the index Query pages of 5,000), at a tenth of the time.
    const n = quick ? 5_000 : 10_000;
    const tenant = await signUp(runtime, 'analytics-scores');
    const t = asTenantId(tenant.tenantId);
    // Imported now: the modules read the configuration the runtime has set.
    const [{ writeRfmScores, rfmScoreItem }, { tenantContext }] = await Promise.all([
      import('../../shared/contacts/scores.ts'),
      import('../../shared/platform/context.ts'),
    ]);
    const ids = Array.from({ length: n }, () => newId());
    const scores = ids.map((contactId, i) => ({
      contactId,
      segment: 'loyal' as const,
      recency: 1 + (i % 5),
      frequency: 4,
      monetary: 1 + (i % 5),
      daysSinceLastOrder: i % 365,
      orders: 4 + (i % 7),
      totalSpent: 10_000 + i,
    }));

    // The items a run writes for these scores (shared/contacts/scores.ts), under its run id.
    const batchesOf = (runId: string, previousSegment?: string) => {
      const computedAt = new Date().toISOString();
      const batches: WriteRequest[][] = [];
      for (let i = 0; i < n; i += 25)
        batches.push(
          scores.slice(i, i + 25).map((s) => ({
            PutRequest: {
              Item: marshall(rfmScoreItem(t, s, { runId, computedAt }, previousSegment)),
            },
          })),
        );
      return batches;
    };
    const writeRaw = async (batches: WriteRequest[][]) => {
      const start = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < batches.length) {
            let pending: WriteRequest[] | undefined = batches[next++]!;
            while (pending?.length) {
              const result: BatchWriteItemCommandOutput = await raw.send(
                new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
              );
              pending = result.UnprocessedItems?.[tableName];
            }
          }
        }),
      );
      return (performance.now() - start) / 1000;
    };
    await progress.run(`The previous day's scores of ${n} contacts, written raw`, 1, async (phase) => {
      await writeRaw(batchesOf('bench-day-1'));
      phase.tick();
    });
    // Raw, product, product, raw (ABBA): a host that speeds up or slows down during the case
    // weighs on both sides alike. One timed pass of each once gave 0.79 in a full run, where the
    // case alone gave 1.02 and 0.99 straight after.
    const timeRaw = (runId: string) =>
      progress.run(`Raw BatchWriteItem of ${n} items (${runId})`, 1, async (phase) => {
        const seconds = await writeRaw(batchesOf(runId, 'loyal'));
        phase.tick();
        return seconds;
      });
    const ctx = tenantContext({ tenantId: t, actor: { type: 'system', process: 'bench' } });
    const timeProduct = (runId: string) =>
      progress.run(`Write-back of ${runId} (no segment moved)`, 1, async (phase) => {
        const start = performance.now();
        const result = await writeRfmScores(ctx, runId, scores);
        if (result.changed !== 0)
          throw new Error(`${result.changed} contacts changed segment; none should have.`);
        phase.tick();
        return (performance.now() - start) / 1000;
      });
    const rawFirst = await timeRaw('raw-1');
    const productFirst = await timeProduct('bench-day-2');
    const productSecond = await timeProduct('bench-day-3');
    const rawSecond = await timeRaw('raw-2');
    const rawRate = (2 * n) / (rawFirst + rawSecond);
    const rate = (2 * n) / (productFirst + productSecond);
    const ratio = rate / rawRate;
    const spread = [rawFirst / productFirst, rawSecond / productSecond];
    return {
      id: 'analytics-scores',
      title: 'Scores written back to contacts vs raw BatchWriteItem',
      rows: [
        {
          measure: `RFM scores, ${n} contacts`,
          funnel: `${Math.round(rate)} items/s`,
          floor: `${Math.round(rawRate)} items/s`,
          ratio,
          metric: 'analytics-scores.rateRatio',
        },
      ],
      metrics: { 'analytics-scores.rateRatio': ratio },
      details: { contacts: n, rate, rawRate, ratioOfEachPair: spread },
    };
  },
};
