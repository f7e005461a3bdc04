import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DeleteCommandInput,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { detailSchema, type EventDefinition, type EventPayload } from '../../../events/define.ts';
import type { TenantContext } from '../context.ts';
import { PreconditionFailedError, UnknownReferenceError } from '../errors.ts';
import { newId } from '../ids.ts';
import { tableName } from './client.ts';
import { decodeCursor, encodeCursor, invalidCursor, queryFingerprint } from './cursor.ts';
import { packDerived } from './derived-payload.ts';
import { and, type Condition, ExpressionBuilder, exists, hasVersion } from './expressions.ts';
import { type ItemKey, tenantKey, tenantPrefix } from './keys.ts';
import { withTransientRetries } from './retries.ts';
import type { IndexName } from './table.ts';

export type Item = Record<string, unknown>;

/** Builds the error to throw when an operation's condition fails; receives the item as it was. */
export type OnConditionFailed = (existing: Item | undefined) => Error;

/** How long outbox items stay in the table after the stream has published them. */
const OUTBOX_RETENTION_SECONDS = 7 * 86_400;

/** Attributes that only exist for storage and never leave the repository layer. */
const STORAGE_ATTRIBUTES = /^(PK|SK|GSI\dPK|GSI\dSK|entity|expiresAt|correlationId)$/;

export function withoutKeys<T = Item>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.test(name))) as T;
}

function assertTenantOwned(ctx: TenantContext, attributes: Item): void {
  const prefix = tenantPrefix(ctx.tenantId);
  for (const [name, value] of Object.entries(attributes)) {
    if (
      (name === 'PK' || /^GSI\dPK$/.test(name)) &&
      !(typeof value === 'string' && value.startsWith(prefix))
    ) {
      throw new Error(`Refusing to write ${name}=${String(value)} outside tenant ${ctx.tenantId}.`);
    }
  }
}

function isExpired(item: Item, ctx: TenantContext): boolean {
  const expiresAt = item.expiresAt;
  return typeof expiresAt === 'number' && expiresAt * 1000 <= ctx.clock.now().getTime();
}

export async function getItem(ctx: TenantContext, key: ItemKey, options: { consistent?: boolean } = {}) {
  assertTenantOwned(ctx, { PK: key.PK });
  const { Item: item } = await ctx.db.send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: options.consistent ?? false }),
  );
  return item && !isExpired(item, ctx) ? item : undefined;
}

/**
 * Up to 100 keys per call; unprocessed keys are retried. Order of the result is not the keys' order.
 * A key given twice is read once (BatchGetItem refuses a request that names one item twice).
 */
export async function getItems(
  ctx: TenantContext,
  given: ItemKey[],
  { consistent = false }: { consistent?: boolean } = {},
): Promise<Item[]> {
  const keys = [...new Map(given.map((key) => [`${key.PK}\u0000${key.SK}`, key])).values()];
  const found: Item[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    const chunk = keys.slice(start, start + 100);
    for (const key of chunk) assertTenantOwned(ctx, { PK: key.PK });
    let pending: Record<string, unknown>[] | undefined = chunk.map((key) => ({ PK: key.PK, SK: key.SK }));
    for (let attempt = 0; pending?.length && attempt < 8; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const result: BatchGetCommandOutput = await ctx.db.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ...(consistent ? { ConsistentRead: true } : {}) } },
        }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys;
    }
    if (pending?.length) throw new Error(`BatchGet left ${pending.length} keys unprocessed.`);
  }
  return found.filter((item) => !isExpired(item, ctx));
}

export type KeyCondition =
  | { beginsWith: string }
  | { equals: string }
  | { between: [string, string] }
  | { lessThan: string }
  | { lessOrEqual: string }
  | { greaterThan: string }
  | { greaterOrEqual: string };

export interface QuerySpec {
  index?: IndexName;
  partition: string;
  sort?: KeyCondition;
  /** Newest first when false (the default is ascending sort key order). */
  ascending?: boolean;
  filter?: Condition;
  /** Identifies the filter in cursors: two queries with different filters must not share cursors. */
  filterFingerprint?: unknown;
  consistent?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

function queryInput(spec: QuerySpec): QueryCommandInput {
  const e = new ExpressionBuilder('q');
  const pkName = spec.index ? `${spec.index}PK` : 'PK';
  const skName = spec.index ? `${spec.index}SK` : 'SK';
  let keyCondition = `${e.name(pkName)} = ${e.value(spec.partition)}`;
  const sort = spec.sort;
  if (sort) {
    const sk = e.name(skName);
    if ('beginsWith' in sort) keyCondition += ` AND begins_with(${sk}, ${e.value(sort.beginsWith)})`;
    else if ('equals' in sort) keyCondition += ` AND ${sk} = ${e.value(sort.equals)}`;
    else if ('between' in sort)
      keyCondition += ` AND ${sk} BETWEEN ${e.value(sort.between[0])} AND ${e.value(sort.between[1])}`;
    else if ('lessThan' in sort) keyCondition += ` AND ${sk} < ${e.value(sort.lessThan)}`;
    else if ('lessOrEqual' in sort) keyCondition += ` AND ${sk} <= ${e.value(sort.lessOrEqual)}`;
    else if ('greaterThan' in sort) keyCondition += ` AND ${sk} > ${e.value(sort.greaterThan)}`;
    else keyCondition += ` AND ${sk} >= ${e.value(sort.greaterOrEqual)}`;
  }
  const filter = spec.filter?.(e);
  return {
    TableName: tableName,
    IndexName: spec.index,
    KeyConditionExpression: keyCondition,
    FilterExpression: filter,
    ScanIndexForward: spec.ascending ?? true,
    ConsistentRead: spec.index ? undefined : spec.consistent,
    ...e.attributes(),
  };
}

/**
 * One page of a query, with a cursor bound to the tenant and the query. With a filter, a page can
 * hold fewer than `limit` items and still have a next page: that is how DynamoDB filters work.
 */
export async function queryPage<T>(
  ctx: TenantContext,
  spec: QuerySpec,
  page: { limit: number; cursor?: string | undefined },
  map: (item: Item) => T = (item) => withoutKeys<T>(item),
): Promise<Page<T>> {
  assertTenantOwned(ctx, { [spec.index ? `${spec.index}PK` : 'PK']: spec.partition });
  const fingerprint = queryFingerprint({
    i: spec.index,
    p: spec.partition,
    s: spec.sort,
    a: spec.ascending,
    f: spec.filterFingerprint,
  });
  const input = queryInput(spec);
  input.Limit = page.limit;
  if (page.cursor) input.ExclusiveStartKey = decodeCursor(ctx.tenantId, fingerprint, page.cursor, spec);
  const result = await ctx.db.send(new QueryCommand(input)).catch((error: unknown) => {
    // A start key of the right shape can still lie outside the key condition (an edited sort key).
    if (page.cursor && (error as Error).name === 'ValidationException') throw invalidCursor();
    throw error;
  });
  const items = (result.Items ?? []).filter((item) => !isExpired(item, ctx)).map(map);
  return {
    items,
    ...(result.LastEvaluatedKey
      ? { nextCursor: encodeCursor(ctx.tenantId, fingerprint, result.LastEvaluatedKey) }
      : {}),
  };
}

/** Every item of a query, page by page, for jobs and workers (never a request path over open ranges). */
export async function* queryEach(ctx: TenantContext, spec: QuerySpec, pageSize = 100): AsyncGenerator<Item> {
  assertTenantOwned(ctx, { [spec.index ? `${spec.index}PK` : 'PK']: spec.partition });
  const input = queryInput(spec);
  input.Limit = pageSize;
  do {
    const result = await ctx.db.send(new QueryCommand(input));
    for (const item of result.Items ?? []) if (!isExpired(item, ctx)) yield item;
    input.ExclusiveStartKey = result.LastEvaluatedKey;
  } while (input.ExclusiveStartKey);
}

export async function queryAll(ctx: TenantContext, spec: QuerySpec, max = 10_000): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of queryEach(ctx, spec)) {
    items.push(item);
    if (items.length >= max) break;
  }
  return items;
}

/**
 * The part of an update that makes it apply only to the version the caller read: the version is
 * bumped (with `updatedAt`), and if someone changed the item since, the whole unit of work fails
 * with 412 (or `onStale`, for callers that answer otherwise).
 */
export function whileVersion(
  version: number,
  onStale: OnConditionFailed = () => new PreconditionFailedError(),
): Pick<UpdateSpec, 'bumpVersion' | 'condition' | 'onConditionFailed'> {
  return { bumpVersion: true, condition: and(exists, hasVersion(version)), onConditionFailed: onStale };
}

/**
 * Stamps `next` as the version after `current` (`updatedAt` now, `version` + 1) and says whether
 * the patch changed anything: a PATCH that changes nothing writes nothing and keeps the version.
 */
export function stampRevision(
  ctx: TenantContext,
  current: { version: number; updatedAt: string },
  next: { version: number; updatedAt: string },
): boolean {
  if (JSON.stringify(next) === JSON.stringify(current)) return false;
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  return true;
}

/** `If-Match` carried a version (the route is versioned) and the resource is no longer at it: 412. */
export function assertIfMatch(ifMatch: number | 'any' | undefined, current: { version: number }): void {
  if (typeof ifMatch === 'number' && ifMatch !== current.version) throw new PreconditionFailedError();
}

interface Operation {
  write: TransactWriteItem;
  onConditionFailed?: OnConditionFailed;
}

/**
 * An item that follows from a change but need not commit with it (a history entry, a timeline
 * entry): it rides on the change's outbox item and is written after the commit, from the stream,
 * by the platform's `write-derived` consumer (shared/platform/derived.ts). Its key is fixed when
 * the change is made, so a redelivery writes nothing twice.
 */
export interface DerivedItem {
  item: Item;
  /** Written only while this item exists (the record it is about: an erased contact gets none). */
  parent?: ItemKey;
}

export interface UpdateSpec {
  set?: Item;
  /** Set only when the attribute is absent (e.g. `createdAt` on an upsert). */
  setIfAbsent?: Item;
  remove?: string[];
  add?: Record<string, number>;
  /** Adds to / removes from string sets. */
  addToSet?: Record<string, string[]>;
  deleteFromSet?: Record<string, string[]>;
  condition?: Condition;
  onConditionFailed?: OnConditionFailed;
  /** Increments `version` (and sets `updatedAt`): the default for entities with an ETag. */
  bumpVersion?: boolean;
}

/**
 * The outbox item of a domain event: the stream publishes it once it is written. A unit of work
 * writes it in its transaction; a bulk writer (BatchWriteItem, no transaction) writes it only
 * after the change it announces has been written, with an `eventId` fixed by what makes the
 * event unique, so a retried batch writes the same item again rather than a second event.
 */
export function outboxItem<E extends EventDefinition>(
  ctx: TenantContext,
  event: E,
  payload: EventPayload<E>,
  eventId: string = newId(),
) {
  const detail = detailSchema(event).parse({
    ...payload,
    eventId,
    tenantId: ctx.tenantId,
    occurredAt: ctx.clock.now().toISOString(),
    ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
  }) as Record<string, unknown> & { eventId: string };
  return {
    PK: tenantKey(ctx.tenantId, 'EVT', eventId),
    SK: 'EVT',
    entity: 'DomainEvent',
    eventType: event.type,
    source: event.source,
    detail,
    expiresAt: Math.floor(Date.now() / 1000) + OUTBOX_RETENTION_SECONDS,
  };
}

/**
 * Items a unit writes name the action that last wrote them (`correlationId`, shared/platform/
 * correlation.ts), so the stream's consumers of those items carry the action on. Outbox items
 * carry it in their detail instead.
 */
function stamped(ctx: TenantContext, item: Item): Item {
  if (!ctx.correlationId || item.entity === 'DomainEvent') return item;
  return { ...item, correlationId: ctx.correlationId };
}

/**
 * A set of writes that commit together or not at all. With one write and no events it is a plain
 * conditional Put/Update/Delete (half the capacity of a transaction); otherwise TransactWriteItems.
 * Events are written to the outbox in the same transaction, so an event exists iff its change did.
 */

export class UnitOfWork {
  private readonly operations: Operation[] = [];
  private readonly derived: DerivedItem[] = [];
  private token?: string;

  constructor(private readonly ctx: TenantContext) {}

  get size(): number {
    return this.operations.length;
  }

  put(item: Item, options: { condition?: Condition; onConditionFailed?: OnConditionFailed } = {}): this {
    assertTenantOwned(this.ctx, item);
    item = stamped(this.ctx, item);
    const e = new ExpressionBuilder('c');
    const condition = options.condition?.(e);
    this.operations.push({
      write: {
        Put: {
          TableName: tableName,
          Item: item as never,
          ConditionExpression: condition,
          ...(e.attributes() as object),
        },
      },
      onConditionFailed: options.onConditionFailed,
    });
    return this;
  }

  update(key: ItemKey, spec: UpdateSpec): this {
    assertTenantOwned(this.ctx, { PK: key.PK, ...spec.set });
    const e = new ExpressionBuilder('u');
    const sets: string[] = [];
    const set = stamped(this.ctx, { ...spec.set });
    if (spec.bumpVersion) set.updatedAt ??= this.ctx.clock.now().toISOString();
    for (const [name, value] of Object.entries(set)) {
      if (value === undefined) continue;
      sets.push(`${e.name(name)} = ${e.value(value)}`);
    }
    for (const [name, value] of Object.entries(spec.setIfAbsent ?? {})) {
      const n = e.name(name);
      sets.push(`${n} = if_not_exists(${n}, ${e.value(value)})`);
    }
    if (spec.bumpVersion) {
      const v = e.name('version');
      sets.push(`${v} = if_not_exists(${v}, ${e.value(0)}) + ${e.value(1)}`);
    }
    const removes = [
      ...(spec.remove ?? []),
      ...Object.entries(spec.set ?? {})
        .filter(([, value]) => value === undefined)
        .map(([name]) => name),
    ].map((name) => e.name(name));
    const adds = [
      ...Object.entries(spec.add ?? {}).map(([name, delta]) => `${e.name(name)} ${e.value(delta)}`),
      ...Object.entries(spec.addToSet ?? {})
        .filter(([, values]) => values.length > 0)
        .map(([name, values]) => `${e.name(name)} ${e.value(new Set(values))}`),
    ];
    const deletes = Object.entries(spec.deleteFromSet ?? {})
      .filter(([, values]) => values.length > 0)
      .map(([name, values]) => `${e.name(name)} ${e.value(new Set(values))}`);
    const clauses = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
      adds.length ? `ADD ${adds.join(', ')}` : '',
      deletes.length ? `DELETE ${deletes.join(', ')}` : '',
    ].filter(Boolean);
    if (clauses.length === 0) throw new Error('An update needs at least one change.');
    const condition = spec.condition?.(e);
    this.operations.push({
      write: {
        Update: {
          TableName: tableName,
          Key: key as never,
          UpdateExpression: clauses.join(' '),
          ConditionExpression: condition,
          ...(e.attributes() as object),
        },
      },
      onConditionFailed: spec.onConditionFailed,
    });
    return this;
  }

  delete(key: ItemKey, options: { condition?: Condition; onConditionFailed?: OnConditionFailed } = {}): this {
    assertTenantOwned(this.ctx, { PK: key.PK });
    const e = new ExpressionBuilder('d');
    const condition = options.condition?.(e);
    this.operations.push({
      write: {
        Delete: {
          TableName: tableName,
          Key: key as never,
          ConditionExpression: condition,
          ...(e.attributes() as object),
        },
      },
      onConditionFailed: options.onConditionFailed,
    });
    return this;
  }

  /** Fails the whole unit unless `condition` holds for the item at `key`. */
  check(key: ItemKey, condition: Condition, onConditionFailed: OnConditionFailed): this {
    assertTenantOwned(this.ctx, { PK: key.PK });
    const e = new ExpressionBuilder('k');
    const expression = condition(e);
    this.operations.push({
      write: {
        ConditionCheck: {
          TableName: tableName,
          Key: key as never,
          ConditionExpression: expression,
          ...(e.attributes() as object),
        },
      },
      onConditionFailed,
    });
    return this;
  }

  /** Records a domain event in the outbox; the stream publishes it once this unit commits. */
  publish<E extends EventDefinition>(event: E, payload: EventPayload<E>): string {
    const item = outboxItem(this.ctx, event, payload);
    this.put(item);
    return item.detail.eventId;
  }

  /**
   * Adds an item to write once this unit has committed, off the request's path (see DerivedItem).
   * Readers see it within the stream's lag (docs/data-model.md, Eventual consistency).
   */
  derive(item: Item, options: { parent?: ItemKey } = {}): this {
    assertTenantOwned(this.ctx, item);
    this.derived.push({ item, ...(options.parent ? { parent: options.parent } : {}) });
    return this;
  }

  /** Makes a retried commit of the same logical change idempotent for ten minutes. */
  idempotencyToken(token: string): this {
    this.token = token.slice(0, 36);
    return this;
  }

  async commit(): Promise<void> {
    this.attachDerived();
    if (this.operations.length === 0) return;
    this.guardReferences();
    if (this.operations.length === 1) return this.commitSingle(this.operations[0]!);
    if (this.operations.length > 100)
      throw new Error(`A unit of work holds at most 100 writes, got ${this.operations.length}.`);
    try {
      await withTransientRetries(() =>
        this.ctx.db.send(
          new TransactWriteCommand({
            TransactItems: this.operations.map((op) => withReturnOnFailure(op.write)) as never,
            ClientRequestToken: this.token,
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (failed >= 0) {
        const op = this.operations[failed]!;
        const existing = reasons[failed]?.Item ? unmarshallLoose(reasons[failed]!.Item!) : undefined;
        throw op.onConditionFailed?.(existing) ?? error;
      }
      throw error;
    }
  }

  /**
   * A request that names records which do not exist commits nothing (422 naming each field);
   * the records it names that could vanish (ctx.references) must still exist when this unit
   * commits; an item the unit writes itself is conditioned by its own write.
   */
  private guardReferences(): void {
    const missing = this.ctx.references?.missing ?? [];
    if (missing.length) throw new UnknownReferenceError([...missing]);
    const guards = this.ctx.references?.guards ?? [];
    if (guards.length === 0 || this.operations.length + guards.length > 100) return;
    const touched = new Set(
      this.operations.map((op) => {
        const body = Object.values(op.write)[0] as { Key?: ItemKey; Item?: ItemKey };
        const key = body.Key ?? body.Item!;
        return `${key.PK}\u0000${key.SK}`;
      }),
    );
    for (const guard of guards) {
      if (touched.has(`${guard.key.PK}\u0000${guard.key.SK}`)) continue;
      touched.add(`${guard.key.PK}\u0000${guard.key.SK}`);
      this.check(guard.key, exists, () => UnknownReferenceError.field(guard.path, guard.message));
    }
  }

  /** The derived items ride on the unit's first outbox item, or on an outbox item of their own. */
  private attachDerived(): void {
    if (this.derived.length === 0) return;
    const derived = this.derived.splice(0);
    const outbox = this.operations.find((op) => op.write.Put?.Item?.entity === ('DomainEvent' as never));
    if (outbox) {
      Object.assign(outbox.write.Put!.Item!, { derives: true, derived: packDerived(derived) });
      return;
    }
    this.put({
      PK: tenantKey(this.ctx.tenantId, 'EVT', newId()),
      SK: 'EVT',
      entity: 'DerivedWrites',
      derives: true,
      derived: packDerived(derived),
      expiresAt: Math.floor(Date.now() / 1000) + OUTBOX_RETENTION_SECONDS,
    });
  }

  private async commitSingle(op: Operation): Promise<void> {
    const w = op.write;
    try {
      if (w.Put)
        await this.ctx.db.send(
          new PutCommand({
            ...(w.Put as object as PutCommandInput),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      else if (w.Update)
        await this.ctx.db.send(
          new UpdateCommand({
            ...(w.Update as object as UpdateCommandInput),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      else if (w.Delete)
        await this.ctx.db.send(
          new DeleteCommand({
            ...(w.Delete as object as DeleteCommandInput),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      else if (w.ConditionCheck) {
        // A lone condition check writes nothing: read the item and evaluate nothing else.
        throw new Error('A unit of work with only a condition check has nothing to commit.');
      }
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && op.onConditionFailed) {
        throw op.onConditionFailed(error.Item ? unmarshallLoose(error.Item) : undefined);
      }
      throw error;
    }
  }
}

function withReturnOnFailure(write: TransactWriteItem): TransactWriteItem {
  const [kind, body] = Object.entries(write)[0] as [keyof TransactWriteItem, object];
  return { [kind]: { ...body, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } } as TransactWriteItem;
}

function unmarshallLoose(item: Record<string, unknown>): Item {
  return unmarshall(item as never);
}

export function unitOfWork(ctx: TenantContext): UnitOfWork {
  return new UnitOfWork(ctx);
}

/**
 * How many items a query matches (`Select: COUNT`, page by page): for daily jobs that measure a
 * tenant (metering), never for a request path over an open range.
 */
export async function countItems(ctx: TenantContext, spec: QuerySpec): Promise<number> {
  assertTenantOwned(ctx, { [spec.index ? `${spec.index}PK` : 'PK']: spec.partition });
  const input: QueryCommandInput = { ...queryInput(spec), Select: 'COUNT' };
  let count = 0;
  do {
    const result = await ctx.db.send(new QueryCommand(input));
    count += result.Count ?? 0;
    input.ExclusiveStartKey = result.LastEvaluatedKey;
  } while (input.ExclusiveStartKey);
  return count;
}
