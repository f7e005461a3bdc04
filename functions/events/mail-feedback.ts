import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type SesEventDetail, sesEventsOf } from '../../shared/mail/ses-events.ts';
import { handleSesEvent, recordDeliveries, sourceOf } from '../../shared/marketing/feedback.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { withKeys } from '../../shared/platform/logger.ts';

const logger = withKeys({ consumer: 'mail-feedback' });

/**
 * SES events from the default bus, through a queue that hands them over in batches; the email's
 * tags say which tenant (and mailing) each is about. Deliveries, one per email of a send, are
 * recorded together per mailing; every other event (bounces, complaints, opens) one by one. A
 * message whose work failed is retried alone (partial batch failure), then dead-lettered.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>().handler(async (event) => {
  const { events, failures } = sesEventsOf(event, logger);
  const deliveries = new Map<
    string,
    {
      tenantId: string;
      mailingId: string;
      records: string[];
      items: Array<{ contactId: string; messageId: string; at: string }>;
    }
  >();
  const singles: Array<{ record: string; detail: SesEventDetail }> = [];
  for (const { record, detail } of events) {
    const source = sourceOf(detail);
    if (!source) {
      logger.info('SES event of mail without a tenant tag', { eventType: detail.eventType });
      continue;
    }
    if (detail.eventType === 'Delivery' && source.mailingId && source.contactId) {
      const key = `${source.tenantId}|${source.mailingId}`;
      const group = deliveries.get(key) ?? {
        tenantId: source.tenantId,
        mailingId: source.mailingId,
        records: [],
        items: [],
      };
      group.records.push(record);
      group.items.push({
        contactId: source.contactId,
        messageId: detail.mail.messageId,
        at: detail.delivery?.timestamp ?? detail.mail.timestamp,
      });
      deliveries.set(key, group);
    } else singles.push({ record, detail });
  }
  for (const group of deliveries.values()) {
    const ctx = context(group.tenantId);
    try {
      const counted = await recordDeliveries(ctx, group.mailingId, group.items);
      ctx.logger.info('deliveries recorded', {
        mailingId: group.mailingId,
        events: group.items.length,
        counted,
      });
    } catch (error) {
      ctx.logger.error('deliveries failed', { mailingId: group.mailingId, error: String(error) });
      failures.push(...group.records.map((itemIdentifier) => ({ itemIdentifier })));
    }
  }
  for (const { record, detail } of singles) {
    const source = sourceOf(detail)!;
    const ctx = context(source.tenantId);
    try {
      await handleSesEvent(ctx, source, detail);
    } catch (error) {
      ctx.logger.error('SES event failed', { eventType: detail.eventType, error: String(error) });
      failures.push({ itemIdentifier: record });
    }
  }
  return { batchItemFailures: failures };
});

function context(tenantId: string) {
  return tenantContext({
    tenantId: asTenantId(tenantId),
    actor: { type: 'system', process: 'mail-feedback' },
  });
}
