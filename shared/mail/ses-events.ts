import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import type { AppLogger } from '../platform/logger.ts';

/**
 * What SES publishes for each email and recipient (Send, Delivery, Bounce, Complaint, Reject,
 * Open, Click) to EventBridge's default bus, as far as Funnel reads it: the email's tags say which
 * tenant (and mailing and contact) it was.
 */
const Recipients = lazy(() =>
  z.array(z.object({ emailAddress: z.string(), diagnosticCode: z.optional(z.string()) })),
);

export const SesEventDetail = lazy(() =>
  z.object({
    eventType: z.string(),
    mail: z.object({
      messageId: z.string(),
      timestamp: z.string(),
      tags: z._default(z.record(z.string(), z.array(z.string())), {}),
    }),
    bounce: z.optional(
      z.object({
        bounceType: z.string(),
        bounceSubType: z.optional(z.string()),
        bouncedRecipients: Recipients,
        feedbackId: z.string(),
        timestamp: z.optional(z.string()),
      }),
    ),
    complaint: z.optional(
      z.object({
        complainedRecipients: Recipients,
        feedbackId: z.string(),
        timestamp: z.optional(z.string()),
      }),
    ),
    delivery: z.optional(z.object({ timestamp: z.optional(z.string()) })),
    reject: z.optional(z.object({ reason: z.optional(z.string()) })),
    open: z.optional(z.object({ timestamp: z.optional(z.string()) })),
    click: z.optional(z.object({ timestamp: z.optional(z.string()), link: z.optional(z.string()) })),
  }),
);
export type SesEventDetail = z.infer<typeof SesEventDetail>;

/**
 * The SES events of a queue batch: each message is one EventBridge event (a rule's queue
 * target). A message that is not one goes back as a failure, so the queue retries it and then
 * dead-letters it, never dropped silently.
 */
export function sesEventsOf(
  event: SQSEvent,
  logger: Pick<AppLogger, 'error'>,
): {
  events: Array<{ record: string; detail: SesEventDetail }>;
  failures: SQSBatchResponse['batchItemFailures'];
} {
  const events: Array<{ record: string; detail: SesEventDetail }> = [];
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const parsed = SesEventDetail.safeParse((body as { detail?: unknown } | undefined)?.detail);
    if (parsed.success) events.push({ record: record.messageId, detail: parsed.data });
    else {
      logger.error('malformed SES event', { messageId: record.messageId });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { events, failures };
}
