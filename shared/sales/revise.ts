import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion } from '../platform/db/expressions.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import {
  getItem,
  type Item,
  type QuerySpec,
  queryEach,
  type UnitOfWork,
  unitOfWork,
} from '../platform/db/repository.ts';

/** The record changed since it was read: read it again and decide again. */
export class StaleRecord extends Error {}

const ATTEMPTS = 5;

/** An update's condition: the record is still at the version `revise` read. */
export const unchangedSince = (item: Item) => ({
  condition: and(exists, hasVersion(Number(item.version))),
  onConditionFailed: () => new StaleRecord(),
});

/**
 * Revises, one at a time, every record a per-contact index lists (merges and erasures; never a
 * scan). Each record is read again, consistently (the index may lag behind), and `revise` adds
 * its change to a unit of work conditioned on what it read, or answers false when the record
 * needs nothing: it was revised by an earlier delivery of the same event. A concurrent change
 * makes it read and decide again. `recordOf` names the record an index item stands for.
 */
export async function reviseEach(
  ctx: TenantContext,
  listing: Pick<QuerySpec, 'index' | 'partition'>,
  revise: (record: Item, uow: UnitOfWork) => boolean,
  recordOf: (listed: Item) => ItemKey = (listed) => ({ PK: String(listed.PK), SK: String(listed.SK) }),
): Promise<void> {
  for await (const listed of queryEach(ctx, listing)) {
    const key = recordOf(listed);
    for (let attempt = 1; ; attempt++) {
      const record = await getItem(ctx, key, { consistent: true });
      if (!record) break;
      const uow = unitOfWork(ctx);
      if (!revise(record, uow)) break;
      try {
        await uow.commit();
        break;
      } catch (error) {
        if (!(error instanceof StaleRecord) || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
