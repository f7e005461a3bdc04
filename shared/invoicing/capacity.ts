import { AsyncLocalStorage } from 'node:async_hooks';
import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TenantContext } from '../platform/context.ts';

/**
 * Measures the DynamoDB capacity a piece of work consumes (ReturnConsumedCapacity on every call it
 * makes), so the dunning sweep can report what it read and the benchmark can compare sweeps over
 * small and large histories. A dedicated client (created once) carries the meter; calls outside a
 * measured scope pass through untouched. AsyncLocalStorage keeps concurrent sweeps (the local
 * runtime runs every tenant's at once) from mixing their tallies.
 */
export interface Capacity {
  /** Read capacity units: GetItem, BatchGetItem, Query. */
  read: number;
  /** Write capacity units: puts, updates, deletes and transactions. */
  write: number;
}

const tally = new AsyncLocalStorage<Capacity>();
const READS = /^(Get|BatchGet|Query|Scan|TransactGet)/;

const raw = new DynamoDBClient({});
raw.middlewareStack.add(
  (next, context) => async (args) => {
    const capacity = tally.getStore();
    if (!capacity) return next(args);
    (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
    const result = await next(args);
    const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
      .ConsumedCapacity;
    const units = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    if (READS.test(context.commandName ?? '')) capacity.read += units;
    else capacity.write += units;
    return result;
  },
  { step: 'initialize', name: 'consumedCapacityMeter' },
);
const metered = DynamoDBDocumentClient.from(raw, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  unmarshallOptions: { wrapNumbers: false },
});

/** Runs `work` with a context whose table calls are metered; returns its result and the capacity used. */
export async function measureCapacity<T>(
  ctx: TenantContext,
  work: (measured: TenantContext) => Promise<T>,
): Promise<{ result: T; capacity: Capacity }> {
  const capacity: Capacity = { read: 0, write: 0 };
  const result = await tally.run(capacity, () => work({ ...ctx, db: metered }));
  return {
    result,
    capacity: { read: round(capacity.read), write: round(capacity.write) },
  };
}

function round(units: number): number {
  return Math.round(units * 100) / 100;
}
