import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { readFacts } from './parquet.ts';
import { FIRST_DELIVERIES_MS, warehouseKeys } from './state.ts';

/**
 * What the arrivals consumer records of each facts object landed (state.ts says what the state
 * item holds). Apart from state.ts so that readers of the state (reports, the status route) load
 * neither the S3 client nor the Parquet reader at cold start.
 */
const warehouseBucket = bucketName('warehouse');

class TenantGone extends Error {}

export async function recordArrival(
  ctx: TenantContext,
  at: Date,
  object: { key: string; live: boolean },
): Promise<void> {
  // An object landing while the tenant is removed (a late flush, an erasure rewrite) must not
  // make the state item again after the removal deleted it: nothing would delete it then.
  try {
    await unitOfWork(ctx)
      .update(warehouseKeys.state(ctx.tenantId), {
        set: { entity: 'WarehouseState', lastFactsAt: at.toISOString() },
        ...(object.live ? { setIfAbsent: { firstFactsAt: at.toISOString() } } : {}),
        add: { factsVersion: 1 },
      })
      .check(
        tenancyKeys.tenant(ctx.tenantId),
        (e) =>
          `attribute_exists(${e.name('PK')}) AND (attribute_not_exists(${e.name('status')}) OR ${e.name('status')} <> ${e.value('frozen')} OR ${e.name('deletion.deleteAfter')} > ${e.value(at.toISOString())})`,
        () => new TenantGone(),
      )
      .commit();
  } catch (error) {
    if (error instanceof TenantGone) return;
    throw error;
  }
  if (!object.live) return;
  const state = await getItem(ctx, warehouseKeys.state(ctx.tenantId), { consistent: true });
  const first = Date.parse(String(state?.firstFactsAt));
  if (!(at.getTime() - first <= FIRST_DELIVERIES_MS)) return;
  const earliest = await earliestFact(object.key);
  if (earliest !== undefined) await lowerLiveFactsFrom(ctx, new Date(earliest).toISOString());
}

/** The earliest `occurred_at` in a facts object (undefined if it is gone: an erasure rewrote it). */
async function earliestFact(key: string): Promise<number | undefined> {
  const object = await s3
    .send(new GetObjectCommand({ Bucket: warehouseBucket, Key: key }))
    .catch((error: { name?: string }) => {
      if (error.name === 'NoSuchKey') return undefined;
      throw error;
    });
  if (!object?.Body) return undefined;
  const facts = await readFacts(Buffer.from(await object.Body.transformToByteArray()));
  const times = facts.map((f) => f.occurred_at).filter((t): t is number => typeof t === 'number');
  return times.length ? Math.min(...times) : undefined;
}

/** Keeps the smallest value any of the first deliveries reported, whatever order they land in. */
async function lowerLiveFactsFrom(ctx: TenantContext, at: string): Promise<void> {
  try {
    await unitOfWork(ctx)
      .update(warehouseKeys.state(ctx.tenantId), {
        set: { liveFactsFrom: at },
        condition: (e) =>
          `attribute_not_exists(${e.name('liveFactsFrom')}) OR ${e.name('liveFactsFrom')} > ${e.value(at)}`,
        onConditionFailed: () => new ConflictError('An earlier live fact is recorded already.'),
      })
      .commit();
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}
