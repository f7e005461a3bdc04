import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { handleSesEvent, SesEventDetail, sourceOf } from '../../shared/marketing/feedback.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { withKeys } from '../../shared/platform/logger.ts';

const logger = withKeys({ consumer: 'mail-feedback' });

/** SES events from the default bus; the email's tags say which tenant (and mailing) it was. */
export const handler = middy<EventBridgeEvent<string, unknown>, void, Error, Context>().handler(
  async (event) => {
    const detail = SesEventDetail.parse(event.detail);
    const source = sourceOf(detail);
    if (!source) {
      logger.info('SES event of mail without a tenant tag', { eventType: detail.eventType });
      return;
    }
    const ctx = tenantContext({
      tenantId: asTenantId(source.tenantId),
      actor: { type: 'system', process: 'mail-feedback' },
      requestId: event.id,
    });
    await handleSesEvent(ctx, source, detail);
  },
);
