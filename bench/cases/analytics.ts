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
 * Scores written back (issue 15): a daily RFM run over 100,000 customers (10,000 with --quick)
 * whose segments did not move, against the database's raw batch-write rate measured in the same
 * run: the same number of items of the same size by BatchWriteItem, 25 a request, 16 requests in
 * flight, with no product code. The product's run also reads each contact's previous score
 * (BatchGetItem), which is what tells it who changed segment; the target is ≥ 0.8 of the raw rate.
 */
const IN_FLIGHT = 16;

export const scoringCase: Case = {
  id: 'analytics-scores',
  title: 'Scores written back to contacts vs raw BatchWriteItem',
  async run({ runtime, raw, tableName, quick, progress }) {
    const n = quick ? 10_000 : 100_000;
    const tenant = await signUp(runtime, 'analytics-scores');
    const t = asTenantId(tenant.tenantId);
    // Imported now: the modules read the configuration the runtime has set.
    const [{ writeRfmScores }, { tenantContext }, { contactKeys }] = await Promise.all([
      import('../../shared/contacts/scores.ts'),
      import('../../shared/platform/context.ts'),
      import('../../shared/contacts/keys.ts'),
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

    const requests: WriteRequest[][] = [];
    for (let i = 0; i < n; i += 25)
      requests.push(
        scores.slice(i, i + 25).map((s) => ({
          PutRequest: {
            Item: marshall({
              ...contactKeys.score(t, s.contactId, 'RAW'),
              entity: 'ContactScore',
              ...s,
              computedAt: new Date().toISOString(),
              runId: 'raw',
              GSI2PK: contactKeys.byRfmSegment(t, s.segment),
              GSI2SK: s.contactId,
            }),
          },
        })),
      );
    const rawSeconds = await progress.run(`Raw BatchWriteItem of ${n} items`, 1, async (phase) => {
      const rawStart = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < requests.length) {
            let pending: WriteRequest[] | undefined = requests[next++]!;
            while (pending?.length) {
              const result: BatchWriteItemCommandOutput = await raw.send(
                new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
              );
              pending = result.UnprocessedItems?.[tableName];
            }
          }
        }),
      );
      const seconds = (performance.now() - rawStart) / 1000;
      phase.tick();
      return seconds;
    });
    const rawRate = n / rawSeconds;

    const ctx = tenantContext({ tenantId: t, actor: { type: 'system', process: 'bench' } });
    await progress.run(
      `First RFM write-back of ${n} contacts (all new: scores and events)`,
      1,
      async (phase) => {
        await writeRfmScores(ctx, 'bench-day-1', scores);
        phase.tick();
      },
    );
    const { rate, changed } = await progress.run(
      `Next day's write-back (no segment moved)`,
      1,
      async (phase) => {
        const start = performance.now();
        const result = await writeRfmScores(ctx, 'bench-day-2', scores);
        phase.tick();
        return { rate: n / ((performance.now() - start) / 1000), changed: result.changed };
      },
    );
    if (changed !== 0) throw new Error(`${changed} contacts changed segment; none should have.`);
    const ratio = rate / rawRate;
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
      details: { contacts: n, rate, rawRate },
    };
  },
};
