import { gunzipSync } from 'node:zlib';
import middy from '@middy/core';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent, Context } from 'aws-lambda';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { isId } from '../../shared/platform/ids.ts';
import { withKeys } from '../../shared/platform/logger.ts';
import { recordApiCalls } from '../../shared/subscriptions/usage.ts';

const logger = withKeys({ consumer: 'meter-api-calls' });

/**
 * A batch of the API's access log (a subscription filter on its log group): each tenant's calls
 * in it, counted per day. A line is one request a tenant's credential made (the filter passes
 * only lines with a tenant); the WAF's refusals never reach the log, so they are not counted.
 */
export const handler = middy<CloudWatchLogsEvent, void, Error, Context>().handler(async (event, context) => {
  const batch = JSON.parse(
    gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'),
  ) as CloudWatchLogsDecodedData;
  if (batch.messageType !== 'DATA_MESSAGE' || batch.logEvents.length === 0) return;
  const byTenant = new Map<string, number[]>();
  for (const line of batch.logEvents) {
    const tenantId = tenantOf(line.message);
    if (!tenantId) continue;
    byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), line.timestamp]);
  }
  const batchId = batch.logEvents[0]!.id;
  for (const [tenantId, instants] of byTenant) {
    const ctx = tenantContext({
      tenantId: asTenantId(tenantId),
      actor: { type: 'system', process: 'metering' },
      requestId: context.awsRequestId,
    });
    await recordApiCalls(ctx, batchId, instants).catch((error: unknown) => {
      // A tenant removed since: nothing left to bill.
      if (!(error instanceof NotFoundError)) throw error;
    });
  }
  logger.info('batch handled', {
    function: context.functionName,
    lines: batch.logEvents.length,
    tenants: byTenant.size,
  });
});

function tenantOf(message: string): string | undefined {
  try {
    const line = JSON.parse(message) as { tenantId?: unknown };
    return typeof line.tenantId === 'string' && isId(line.tenantId) ? line.tenantId : undefined;
  } catch {
    return undefined;
  }
}
