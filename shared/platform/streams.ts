import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type TenantContext, tenantContext } from './context.ts';
import { correlationFrom, withCorrelation } from './correlation.ts';
import { asTenantId } from './db/keys.ts';
import type { Item } from './db/repository.ts';
import { withKeys } from './logger.ts';

/** One committed change of one item, as the table's stream tells it. */
export interface Change {
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The item after the change (absent for REMOVE). */
  after?: Item;
  /** The item before the change (absent for INSERT). */
  before?: Item;
  /** The stream's position of the change; increases with each change of the same item. */
  sequence: string;
}

function tenantOf(item: Item): string {
  const match = /^T#([^#]+)#/.exec(String(item.PK));
  if (!match) throw new Error(`Item ${String(item.PK)} belongs to no tenant.`);
  return match[1]!;
}

/**
 * A consumer of the table's stream that derives items from committed changes. Records of one
 * item arrive in the order they were committed; a record that fails stops the batch there, and
 * `batchItemFailures` names it, so the platform retries from it on and nothing after it is done
 * out of order. Every record can still be delivered twice (a retried batch, a replayed dead
 * letter): `handle` must be idempotent, and safe when it sees an older change after a newer one.
 */
export function streamHandler(name: string, handle: (change: Change, ctx: TenantContext) => Promise<void>) {
  const logger = withKeys({ consumer: name });
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>().handler(
    async (event, context) => {
      for (const record of event.Records) {
        try {
          const change = changeOf(record);
          const item = change.after ?? change.before;
          if (!item) continue;
          // The action that wrote the item: an outbox item has it in its detail, others on themselves.
          const detail = item.detail as { correlationId?: unknown } | undefined;
          const correlation = correlationFrom(detail?.correlationId ?? change.after?.correlationId);
          await withCorrelation(correlation, async () => {
            const ctx = tenantContext({
              tenantId: asTenantId(tenantOf(item)),
              actor: { type: 'system', process: name },
              requestId: record.eventID,
            });
            await handle(change, ctx);
            ctx.logger.info('change handled', { function: context.functionName, eventID: record.eventID });
          });
        } catch (error) {
          logger.error('stream record failed', { eventID: record.eventID, error: String(error) });
          return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
        }
      }
      return { batchItemFailures: [] };
    },
  );
}

function changeOf(record: DynamoDBRecord): Change {
  const image = (value: unknown) => (value ? (unmarshall(value as never) as Item) : undefined);
  const after = image(record.dynamodb?.NewImage);
  const before = image(record.dynamodb?.OldImage);
  return {
    kind: record.eventName as Change['kind'],
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
    sequence: record.dynamodb?.SequenceNumber ?? '',
  };
}
