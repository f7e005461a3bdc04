import { sendMessages } from '../platform/aws/queues.ts';
import type { DeliveryMessage } from './schema.ts';

/** The delivery queue and the one-time schedule of late retries: what every webhook function shares. */
export const DELIVERY_QUEUE = 'webhook-deliveries';
export const RETRY_SCHEDULE = 'webhook-retry';

export async function enqueue(messages: DeliveryMessage[], delaySeconds = 0): Promise<void> {
  if (messages.length)
    await sendMessages(DELIVERY_QUEUE, messages as unknown as Array<Record<string, unknown>>, {
      delaySeconds,
    });
}
