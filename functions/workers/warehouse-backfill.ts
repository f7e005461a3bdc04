import * as z from 'zod/mini';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { backfillStep } from '../../shared/warehouse/backfill.ts';

const Step = lazy(() =>
  z.object({
    tenantId: z.string(),
    backfillId: z.string(),
    before: z.string(),
    source: z.int(),
    query: z.int(),
    page: z.int(),
    cursor: z.optional(z.string()),
  }),
);

/** One page of a tenant's backfill per message; the step queues the next one. */
export const handler = queueHandler('warehouse-backfill', Step, async (step) => {
  const ctx = tenantContext({
    tenantId: asTenantId(step.tenantId),
    actor: { type: 'system', process: 'warehouse-backfill' },
  });
  await backfillStep(ctx, step);
});
