import middy from '@middy/core';
import type { Context, S3Event } from 'aws-lambda';
import { receiveInboundObject } from '../../shared/cases/inbound.ts';
import { INCOMING_PREFIX } from '../../shared/cases/inbound-layout.ts';
import { withKeys } from '../../shared/platform/logger.ts';

/**
 * S3 tells when SES receiving (locally the SMTP listener) stored a raw message under `incoming/`:
 * it becomes a case or lands on the case it answers. S3 and Lambda's async invocation redeliver;
 * the Message-ID guard makes a second delivery a no-op.
 */
export const handler = middy<S3Event, void, Error, Context>().handler(async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    if (!key.startsWith(INCOMING_PREFIX)) continue;
    const logger = withKeys({ object: key });
    const outcome = await receiveInboundObject(key, record.s3.object.size, logger);
    logger.info('inbound mail', { outcome });
  }
});
