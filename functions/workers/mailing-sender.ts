import { SendBatch } from '../../shared/marketing/planner.ts';
import { accountSendRate, sendBatch } from '../../shared/marketing/sender.ts';
import { SENDER_TIMEOUT_SECONDS } from '../../shared/marketing/settings.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';

/** One batch of recipients per message, paced; a batch with recipients left goes back to the queue. */
export const handler = queueHandler('mailing-sender', SendBatch, async (batch) => {
  const deadline = Date.now() + SENDER_TIMEOUT_SECONDS * 1000;
  const ctx = tenantContext({
    tenantId: asTenantId(batch.tenantId),
    actor: { type: 'system', process: 'mailing-sender' },
  });
  const result = await sendBatch(ctx, batch, {
    accountRate: await accountSendRate(),
    remainingMs: () => deadline - Date.now(),
  });
  if (result.retry)
    throw new Error(`Mailing ${batch.mailingId}: recipients of this batch wait for another delivery.`);
});
