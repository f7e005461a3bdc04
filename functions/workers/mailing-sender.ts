import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SendBatch, sendBatches } from '../../shared/marketing/planner.ts';
import { accountSendRate, sendBatch } from '../../shared/marketing/sender.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { withKeys } from '../../shared/platform/logger.ts';

const logger = withKeys({ consumer: 'mailing-sender' });

/**
 * The batches of one delivery are sent together, mailing by mailing (one pace, one read of what
 * rendering needs). A batch with a recipient to try again goes back to the queue (partial batch
 * failure); recipients not started before the timeout go to new batches, so a slow send rate
 * never wears out a batch's deliveries.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>().handler(async (event, context) => {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const groups = new Map<
    string,
    {
      batch: { tenantId: string; mailingId: string; contactIds: string[] };
      messageIds: string[];
      contacts: Map<string, string>;
    }
  >();
  for (const record of event.Records) {
    const parsed = SendBatch.safeParse(JSON.parse(record.body));
    if (!parsed.success) {
      logger.error('malformed send batch', { messageId: record.messageId });
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const key = `${parsed.data.tenantId}|${parsed.data.mailingId}`;
    const group = groups.get(key) ?? {
      batch: { tenantId: parsed.data.tenantId, mailingId: parsed.data.mailingId, contactIds: [] as string[] },
      messageIds: [],
      contacts: new Map<string, string>(),
    };
    group.messageIds.push(record.messageId);
    for (const id of parsed.data.contactIds) {
      group.batch.contactIds.push(id);
      group.contacts.set(id, record.messageId);
    }
    groups.set(key, group);
  }
  const accountRate = await accountSendRate();
  for (const { batch, messageIds, contacts } of groups.values()) {
    const ctx = tenantContext({
      tenantId: asTenantId(batch.tenantId),
      actor: { type: 'system', process: 'mailing-sender' },
    });
    try {
      const result = await sendBatch(ctx, batch, {
        accountRate,
        remainingMs: () => context.getRemainingTimeInMillis(),
      });
      if (result.unstarted.length) await sendBatches(ctx, batch.mailingId, result.unstarted);
      const retried = new Set(result.retry.map((id) => contacts.get(id)!));
      for (const messageId of retried) failures.push({ itemIdentifier: messageId });
    } catch (error) {
      logger.error('send batch failed', { mailingId: batch.mailingId, error: String(error) });
      for (const messageId of messageIds) failures.push({ itemIdentifier: messageId });
    }
  }
  return { batchItemFailures: failures };
});
