import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type BusEvent, putEvents } from '../../shared/platform/aws/events.ts';
import { rootLogger as logger } from '../../shared/platform/logger.ts';

/**
 * The outbox relay: every DomainEvent item inserted in the table (in the same transaction as the
 * change it describes) is put on the bus. The stream may deliver a record twice, so consumers
 * deduplicate on `detail.eventId`. The event source mapping filters to outbox inserts only.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>().handler(
  async (event, context) => {
    const events: BusEvent[] = [];
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      if (record.eventName !== 'INSERT' || !image) continue;
      const item = unmarshall(image as never);
      if (item.entity !== 'DomainEvent') continue;
      events.push({
        source: String(item.source),
        detailType: String(item.eventType),
        detail: item.detail as Record<string, unknown>,
        time: new Date(String((item.detail as { occurredAt: string }).occurredAt)),
      });
    }
    await putEvents(events);
    for (const { detailType, detail } of events)
      logger.info('event published', {
        function: context.functionName,
        eventType: detailType,
        eventId: detail.eventId,
        tenantId: detail.tenantId,
        correlationId: detail.correlationId,
      });
    return { batchItemFailures: [] };
  },
);
