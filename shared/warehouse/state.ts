import type { TenantContext } from '../platform/context.ts';
import { type TenantId, tenantKey } from '../platform/db/keys.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import type { WarehouseStatus } from './api-schema.ts';

/**
 * One small item per tenant that says when its facts last landed. Every Parquet object written
 * under `facts/` (by Firehose, the backfill or an erasure rewrite) moves `factsVersion`, which is
 * what cached report results are compared with. `firstFactsAt` is the first live delivery: history
 * before it is the backfill's to write.
 */
export const warehouseKeys = {
  state: (t: TenantId) => ({ PK: tenantKey(t, 'WAREHOUSE'), SK: 'STATE' }),
  backfill: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'WAREHOUSE'), SK: `BACKFILL#${id}` }),
};

export async function recordArrival(ctx: TenantContext, at: Date, live: boolean): Promise<void> {
  await unitOfWork(ctx)
    .update(warehouseKeys.state(ctx.tenantId), {
      set: { entity: 'WarehouseState', lastFactsAt: at.toISOString() },
      ...(live ? { setIfAbsent: { firstFactsAt: at.toISOString() } } : {}),
      add: { factsVersion: 1 },
    })
    .commit();
}

export async function warehouseStatus(ctx: TenantContext): Promise<WarehouseStatus> {
  const item = await getItem(ctx, warehouseKeys.state(ctx.tenantId), { consistent: true });
  return {
    factsVersion: Number(item?.factsVersion ?? 0),
    ...(typeof item?.firstFactsAt === 'string' ? { firstFactsAt: item.firstFactsAt } : {}),
    ...(typeof item?.lastFactsAt === 'string' ? { lastFactsAt: item.lastFactsAt } : {}),
  };
}
