import middy from '@middy/core';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { systemClock } from '../../shared/platform/clock.ts';
import { rootLogger as logger } from '../../shared/platform/logger.ts';
import { transformRecords } from '../../shared/warehouse/ingest.ts';

/** Firehose's data transformation for the warehouse's delivery stream (shared/warehouse/ingest.ts). */
export const handler = middy<
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  Error,
  Context
>().handler(async (event, context) => {
  const records = await transformRecords(event.records, systemClock.now());
  // One line per event, so the action's correlation id finds this function too.
  for (const record of event.records) {
    const { detail } = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as {
      detail?: { correlationId?: string; eventId?: string; tenantId?: string };
    };
    logger.info('event transformed', {
      function: context.functionName,
      eventId: detail?.eventId,
      tenantId: detail?.tenantId,
      correlationId: detail?.correlationId,
    });
  }
  return { records };
});
