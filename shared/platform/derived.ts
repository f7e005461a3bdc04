import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TenantContext } from './context.ts';
import { tableName } from './db/client.ts';
import { unpackDerived } from './db/derived-payload.ts';
import { getItems, type Item } from './db/repository.ts';
import type { Change } from './streams.ts';

/**
 * Writes the items a committed change derived (UnitOfWork.derive), from the change's outbox item
 * on the stream. Each is put only if absent: its key was fixed when the change was made, so a
 * redelivered record writes nothing twice and never overwrites what happened to the item since.
 * An item whose parent record is gone (a contact erased or merged away meanwhile) is not written.
 */
export async function writeDerived(change: Change, ctx: TenantContext): Promise<void> {
  if (change.kind !== 'INSERT') return;
  const derived = unpackDerived(change.after?.derived);
  if (derived.length === 0) return;
  const parents = [
    ...new Map(derived.flatMap((d) => (d.parent ? [[keyOf(d.parent), d.parent]] : []))).values(),
  ];
  // Read strongly: the parent was written in the same transaction a moment ago, and a stale read
  // would drop its derived items for good.
  const present = new Set((await getItems(ctx, parents, { consistent: true })).map(keyOf));
  await Promise.all(
    derived.filter((d) => !d.parent || present.has(keyOf(d.parent))).map((d) => putIfAbsent(ctx, d.item)),
  );
}

const keyOf = (item: { PK?: unknown; SK?: unknown }) => `${String(item.PK)}\u0000${String(item.SK)}`;

async function putIfAbsent(ctx: TenantContext, item: Item): Promise<void> {
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
