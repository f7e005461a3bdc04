import * as z from 'zod/mini';
import { lazy } from '../../shared/platform/lazy.ts';
import '../app/tenant-data.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';
import { purgeAndContinue } from '../../shared/tenant-exit/purge.ts';

const Step = lazy(() =>
  z.object({
    tenantId: z.string(),
    cleanupsDone: z.boolean(),
    position: z.optional(
      z.object({ source: z.int(), cursor: z.optional(z.record(z.string(), z.unknown())) }),
    ),
  }),
);

/** One page of a tenant's removal per message; each step queues the next. */
export const handler = queueHandler('tenant-purge', Step, async (step) => {
  const ctx = tenantContext({
    tenantId: asTenantId(step.tenantId),
    actor: { type: 'system', process: 'tenant-purge' },
  });
  await purgeAndContinue(ctx, step);
});
