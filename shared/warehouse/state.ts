import type { TenantContext } from '../platform/context.ts';
import { type TenantId, tenantKey } from '../platform/db/keys.ts';
import { getItem } from '../platform/db/repository.ts';
import type { WarehouseStatus } from './api-schema.ts';

/**
 * One small item per tenant that says when its facts last landed. Every Parquet object written
 * under `facts/` (by Firehose, the backfill or an erasure rewrite) moves `factsVersion`, which is
 * what cached report results are compared with. `firstFactsAt` is when the first live delivery
 * landed; `liveFactsFrom` is the earliest moment the facts of the first live deliveries describe,
 * which is where history becomes the backfill's to write. The two differ by Firehose's buffer: the
 * first object holds events of up to a buffer interval (or a retry) before it lands, and the
 * backfill writing those again, under its own ids, would count them twice.
 */
export const warehouseKeys = {
  state: (t: TenantId) => ({ PK: tenantKey(t, 'WAREHOUSE'), SK: 'STATE' }),
  backfill: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'WAREHOUSE'), SK: `BACKFILL#${id}` }),
};

/**
 * Live objects landing this long after the first one still count as the first deliveries: Firehose
 * flushes one object per tenant and day, and its buffer holds records at most 900 s. Reading later
 * objects would cost a GetObject per flush for ever, for a boundary that is already set.
 */
export const FIRST_DELIVERIES_MS = 15 * 60_000;

export async function warehouseStatus(ctx: TenantContext): Promise<WarehouseStatus> {
  const item = await getItem(ctx, warehouseKeys.state(ctx.tenantId), { consistent: true });
  return {
    factsVersion: Number(item?.factsVersion ?? 0),
    ...(typeof item?.firstFactsAt === 'string' ? { firstFactsAt: item.firstFactsAt } : {}),
    ...(typeof item?.liveFactsFrom === 'string' ? { liveFactsFrom: item.liveFactsFrom } : {}),
    ...(typeof item?.lastFactsAt === 'string' ? { lastFactsAt: item.lastFactsAt } : {}),
  };
}
