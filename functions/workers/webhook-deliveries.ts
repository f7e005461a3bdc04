import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { queueHandler } from '../../shared/platform/handlers.ts';
import { runAttempt } from '../../shared/webhooks/attempts.ts';
import { continueReplay } from '../../shared/webhooks/deliveries.ts';
import { DeliveryMessage } from '../../shared/webhooks/schema.ts';

/**
 * One delivery attempt, or one page of a range replay, per message. The messages of a batch are
 * handled together: each waits on a remote endpoint, not on this function.
 */
export const handler = queueHandler(
  'webhooks-worker',
  DeliveryMessage,
  async (message, record) => {
    const ctx = tenantContext({
      tenantId: asTenantId(message.tenantId),
      actor: { type: 'system', process: 'webhooks-worker' },
      requestId: record.messageId,
    });
    if (message.kind === 'replay-range') await continueReplay(ctx, message);
    else await runAttempt(ctx, message, record.messageId);
  },
  { concurrent: true },
);
