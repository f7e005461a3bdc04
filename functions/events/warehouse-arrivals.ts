import middy from '@middy/core';
import type { Context, S3Event } from 'aws-lambda';
import { systemClock } from '../../shared/platform/clock.ts';
import { tenantContext } from '../../shared/platform/context.ts';
import { asTenantId } from '../../shared/platform/db/keys.ts';
import { isId } from '../../shared/platform/ids.ts';
import { recordArrival } from '../../shared/warehouse/arrivals.ts';
import { BACKFILL_FILE_PREFIX } from '../../shared/warehouse/schema.ts';

/**
 * S3 tells when a Parquet object lands under `facts/`: the tenant in its key gets a new facts
 * version (cached reports of the tenant are stale from then on). Redelivery only moves the version
 * once more, which costs a recomputation, never a wrong answer.
 */
export const handler = middy<S3Event, void, Error, Context>().handler(async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const tenantId = /^facts\/tenant=([^/]+)\//.exec(key)?.[1];
    if (!tenantId || !isId(tenantId)) continue;
    const file = key.slice(key.lastIndexOf('/') + 1);
    const ctx = tenantContext({
      tenantId: asTenantId(tenantId),
      actor: { type: 'system', process: 'warehouse-arrivals' },
    });
    await recordArrival(ctx, systemClock.now(), { key, live: !file.startsWith(BACKFILL_FILE_PREFIX) });
  }
});
