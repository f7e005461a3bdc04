import { BatchWriteCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { sendMessages } from '../platform/aws/queues.ts';
import type { TenantContext } from '../platform/context.ts';
import { tableName } from '../platform/db/client.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import { tenantCleanups, type WalkPosition, walkTenantData } from '../platform/tenant-data.ts';

export const PURGE_QUEUE = 'tenant-purge';

/**
 * One step of a tenant's removal. The first step (`cleanups` not yet done) removes what the tenant
 * has outside the table, through each module's registered cleanup; every later step deletes one
 * page of the registry's walk, each listed record after what belongs to it, then queues the next
 * page with its position. A step that dies (a Lambda timeout) is delivered again and deletes the
 * same page again, which is harmless; the walk never reads another tenant's partitions.
 */
export interface PurgeStep {
  tenantId: string;
  cleanupsDone: boolean;
  position?: WalkPosition;
}

export async function purgeStep(ctx: TenantContext, step: PurgeStep): Promise<PurgeStep | undefined> {
  if (!step.cleanupsDone) {
    for (const cleanup of tenantCleanups()) {
      ctx.logger.info('Tenant cleanup', { cleanup: cleanup.name });
      await cleanup.run(ctx.tenantId, ctx.db);
    }
    return { tenantId: step.tenantId, cleanupsDone: true, position: { source: 0 } };
  }
  const page = await walkTenantData({ db: ctx.db, tenant: ctx.tenantId }, step.position ?? { source: 0 });
  for (const group of page.groups)
    await deleteKeys(
      ctx,
      group.map((item) => ({ PK: String(item.PK), SK: String(item.SK) })),
    );
  return page.next ? { tenantId: step.tenantId, cleanupsDone: true, position: page.next } : undefined;
}

/** Runs a step and queues the next one (the queue's worker). */
export async function purgeAndContinue(ctx: TenantContext, step: PurgeStep): Promise<void> {
  const next = await purgeStep(ctx, step);
  if (next) await sendMessages(PURGE_QUEUE, [next as unknown as Record<string, unknown>]);
}

/** Deletes in order: 25 at a time, the last batch holding the group's listed record. */
async function deleteKeys(ctx: TenantContext, keys: ItemKey[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    let pending = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 8) throw new Error(`BatchWrite left ${pending.length} deletes unprocessed.`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result: BatchWriteCommandOutput = await ctx.db.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
}
