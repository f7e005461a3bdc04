import * as z from 'zod/mini';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { enqueue, RETRY_SCHEDULE } from '../../shared/webhooks/queue.ts';

const Retry = lazy(() => z.object({ endpointId: z.string(), deliveryId: z.string(), attempt: z.string() }));

/** A retry whose wait was longer than a queue delay: back to the delivery queue, now that it is due. */
export const handler = jobHandler('webhooks-jobs', async ({ input, ctx }) => {
  if (input.schedule !== RETRY_SCHEDULE || !ctx)
    throw new Error(`webhooks-jobs does not run ${input.schedule}.`);
  const retry = Retry.parse(input.payload);
  await enqueue([{ kind: 'attempt', tenantId: ctx.tenantId, ...retry }]);
  return { enqueued: retry.attempt };
});
