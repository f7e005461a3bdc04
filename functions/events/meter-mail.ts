import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sesEventsOf } from '../../shared/mail/ses-events.ts';
import { sourceOf } from '../../shared/marketing/feedback.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { withKeys } from '../../shared/platform/logger.ts';
import { meterEmailsSent } from '../../shared/subscriptions/usage.ts';

const logger = withKeys({ consumer: 'meter-mail' });

/**
 * SES's Send events (default bus), through a queue that hands them over in batches: each email
 * the tenant sent, counted once for its usage, the batch's emails of a tenant together. A tenant
 * whose counting failed has its messages retried (partial batch failure), then dead-lettered.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>().handler(async (event) => {
  const { events, failures } = sesEventsOf(event, logger);
  const byTenant = new Map<
    string,
    { records: string[]; emails: Array<{ messageId: string; sentAt: string }> }
  >();
  for (const { record, detail } of events) {
    const source = sourceOf(detail);
    if (!source) continue;
    const group = byTenant.get(source.tenantId) ?? { records: [], emails: [] };
    group.records.push(record);
    group.emails.push({ messageId: detail.mail.messageId, sentAt: detail.mail.timestamp });
    byTenant.set(source.tenantId, group);
  }
  for (const [tenantId, { records, emails }] of byTenant) {
    const ctx = tenantContext({
      tenantId: asTenantId(tenantId),
      actor: { type: 'system', process: 'metering' },
    });
    try {
      const counted = await meterEmailsSent(ctx, emails);
      ctx.logger.info('emails metered', { consumer: 'meter-mail', emails: emails.length, counted });
    } catch (error) {
      // A tenant removed since it sent: nothing left to bill.
      if (error instanceof NotFoundError) continue;
      ctx.logger.error('metering failed', { consumer: 'meter-mail', error: String(error) });
      failures.push(...records.map((itemIdentifier) => ({ itemIdentifier })));
    }
  }
  return { batchItemFailures: failures };
});
