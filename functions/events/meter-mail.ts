import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { SesEventDetail, sourceOf } from '../../shared/marketing/feedback.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { meterEmailSent } from '../../shared/subscriptions/usage.ts';

/** SES's Send events (default bus): one email the tenant sent, counted once for its usage. */
export const handler = middy<EventBridgeEvent<string, unknown>, void, Error, Context>().handler(
  async (event) => {
    const detail = SesEventDetail.parse(event.detail);
    const source = sourceOf(detail);
    if (!source) return;
    const ctx = tenantContext({
      tenantId: asTenantId(source.tenantId),
      actor: { type: 'system', process: 'metering' },
      requestId: event.id,
    });
    const counted = await meterEmailSent(ctx, detail.mail.messageId, detail.mail.timestamp).catch(
      (error: unknown) => {
        // A tenant removed since it sent: nothing left to bill.
        if (error instanceof NotFoundError) return false;
        throw error;
      },
    );
    ctx.logger.info('event handled', { consumer: 'meter-mail', messageId: detail.mail.messageId, counted });
  },
);
