import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { transactionUnits } from './transaction-units.ts';

/**
 * Counts the capacity units of the product's own DynamoDB calls. The local runtime runs every
 * handler in this process, and every handler reaches the table through the one client of
 * shared/platform/db/client.ts (the tenant-fenced clients of AWS are that same client locally),
 * so a middleware added to that client's stack here sees every call, with no change to product
 * code. While recording it asks each call for `ReturnConsumedCapacity: INDEXES`; otherwise it
 * passes calls through untouched, so the latency cases measure the product as it is.
 *
 * DynamoDB Local reports a TransactWriteItems' capacity wrongly (a few units whatever the number
 * of items: measured, two items or ten report the same), so for transactions the meter computes
 * what DynamoDB bills from the items themselves (transaction-units.ts), reading each updated
 * item after the commit with a client of its own (not metered). Single-item writes and reads
 * keep DynamoDB Local's own figures, which follow the pricing rules.
 *
 * It can also hand over the marshalled input of the next TransactWriteItems: the write case
 * replays exactly the items the API wrote.
 */
export interface TableCall {
  command: string;
  /** Capacity units, table and indexes together. */
  units: number;
  /** Items the call writes: a transaction's actions, a batch's requests, 1 for a single write. */
  items: number;
  /** Keys the call reads by key: 1 for a GetItem, a BatchGetItem's keys; 0 otherwise. */
  readKeys: number;
  kind: 'read' | 'write';
  /** performance.now() when the answer came back. */
  at: number;
}

const READS = /^(Get|BatchGet|Query|Scan|TransactGet)/;

type Capture = (input: Record<string, unknown>) => void;

export class CapacityMeter {
  private calls: TableCall[] | undefined;
  private withCapacity = true;
  private capture: Capture | undefined;
  /** Reads items for the transaction model; its calls are not the product's. */
  private readonly reader = DynamoDBDocumentClient.from(new DynamoDBClient({}));

  constructor(client: DynamoDBDocumentClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const calls = this.calls;
        if (!calls) return next(args);
        if (this.withCapacity)
          (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
          .ConsumedCapacity;
        const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
        const units =
          command === 'TransactWriteItems' && this.withCapacity
            ? await transactionUnits(args.input as never, (input) =>
                this.reader.send(new GetCommand({ ...input, ConsistentRead: true })).then((r) => r.Item),
              )
            : [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        calls.push({
          command,
          units,
          items: writtenItems(command, args.input as Record<string, unknown>),
          readKeys: readKeys(command, args.input as Record<string, unknown>),
          kind: READS.test(command) ? 'read' : 'write',
          at: performance.now(),
        });
        return result;
      },
      { step: 'initialize', name: 'benchCapacityMeter' },
    );
    // At the build step the document client has marshalled the input: what goes on the wire.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.capture && context.commandName === 'TransactWriteItemsCommand') {
          this.capture(structuredClone(args.input as Record<string, unknown>));
          this.capture = undefined;
        }
        return next(args);
      },
      { step: 'build', name: 'benchTransactionCapture' },
    );
  }

  /**
   * Records every call made from now until `stop`; with `capacity: false` only counts them, without
   * asking DynamoDB for their capacity (the call is then exactly the product's).
   */
  start(options: { capacity?: boolean } = {}): void {
    this.withCapacity = options.capacity ?? true;
    this.calls = [];
  }

  stop(): TableCall[] {
    const calls = this.calls ?? [];
    this.calls = undefined;
    return calls;
  }

  /** Runs `work` and returns the input of the first TransactWriteItems it sent. */
  async nextTransaction<T>(work: () => Promise<T>): Promise<{ result: T; input: Record<string, unknown> }> {
    let input: Record<string, unknown> | undefined;
    this.capture = (captured) => {
      input = captured;
    };
    try {
      const result = await work();
      if (!input) throw new Error('The work sent no TransactWriteItems.');
      return { result, input };
    } finally {
      this.capture = undefined;
    }
  }
}

export function totals(calls: readonly TableCall[]): { read: number; write: number } {
  const sum = (kind: TableCall['kind']) =>
    Math.round(calls.filter((c) => c.kind === kind).reduce((s, c) => s + c.units, 0) * 100) / 100;
  return { read: sum('read'), write: sum('write') };
}

/** The items a write call writes (0 for a read). */
function readKeys(command: string, input: Record<string, unknown>): number {
  if (command === 'GetItem') return 1;
  if (command !== 'BatchGetItem') return 0;
  return Object.values((input.RequestItems as Record<string, { Keys?: unknown[] }> | undefined) ?? {}).reduce(
    (sum, request) => sum + (request.Keys?.length ?? 0),
    0,
  );
}

function writtenItems(command: string, input: Record<string, unknown>): number {
  if (READS.test(command)) return 0;
  if (command === 'TransactWriteItems') return (input.TransactItems as unknown[] | undefined)?.length ?? 0;
  if (command === 'BatchWriteItem')
    return Object.values((input.RequestItems as Record<string, unknown[]> | undefined) ?? {}).reduce(
      (sum, requests) => sum + requests.length,
      0,
    );
  return 1;
}
