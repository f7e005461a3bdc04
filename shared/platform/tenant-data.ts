import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { tableName } from './db/client.ts';
import { type ItemKey, type TenantId, tenantKey } from './db/keys.ts';
import type { Item } from './db/repository.ts';
import type { IndexName } from './db/table.ts';

/**
 * The registry of everything a tenant owns. No code could otherwise enumerate a tenant's items:
 * the table has no partition that lists them, and a Scan is out of the question. Each module
 * registers how to page through its items by its own access patterns (a Query on one of the
 * tenant's partitions or index partitions); the tenant export and the tenant deletion walk the
 * registry and never import a module. functions/app/tenant-data.ts imports every module's
 * registration; test/e2e/tenant-data.test.ts proves that together they reach every item.
 */

/** A Query on one of the tenant's partitions: the table's (`index` absent) or an index's. */
export interface Listing {
  index?: IndexName;
  /** The partition key after `T#<tenant>#`. */
  partition: Array<string | number>;
  /** Only sort keys that begin so. */
  beginsWith?: string;
}

/** What belongs to an item besides itself: items under keys derived from it, and further listings. */
export interface Related {
  keys?: ItemKey[];
  listings?: Listing[];
}

export interface TenantDataSource {
  /** Unique, kebab-case: names the source in progress records and docs/data-model.md. */
  name: string;
  list: Listing;
  /**
   * Each listed item's whole table partition belongs to it (a record and everything kept in its
   * partition). The default for listings on an index: they list records by their own partitions.
   */
  wholePartition?: boolean;
  /**
   * The listed items are another source's (a module reaching its items through the contacts or
   * the members): only what is related to them belongs to this source, and a deletion leaves them.
   */
  throughOthers?: boolean;
  related?(item: Item, tenant: TenantId): Related;
}

const registry = new Map<string, { module: string; source: TenantDataSource }>();

/** Called by each module's `tenant-data.ts` when it is imported. */
export function registerTenantData(module: string, sources: TenantDataSource[]): void {
  for (const source of sources) {
    if (registry.has(source.name)) throw new Error(`Tenant data source ${source.name} is registered twice.`);
    registry.set(source.name, { module, source });
  }
}

/** Every registered source, in registration order (the order an export and a deletion walk). */
export function tenantDataSources(): TenantDataSource[] {
  return [...registry.values()].map((entry) => entry.source);
}

export function moduleOf(source: string): string | undefined {
  return registry.get(source)?.module;
}

/**
 * Items that no access pattern lists and that expire by themselves (TTL): the outbox, idempotency
 * records, one-off guards. A walk cannot reach them; an export has no use for them, and a deletion
 * leaves them to TTL, so the tenant is gone in full `days` (plus TTL's 48 hours) after its purge
 * began. Declared so that the completeness test knows them and docs/tenant-exit.md can say how long.
 */
export interface ExpiringFamily {
  /** The first part of the partition key after `T#<tenant>#`. */
  partition: string;
  /** The longest time-to-live such an item is written with. */
  days: number;
}

const expiring = new Map<string, ExpiringFamily>();

export function registerExpiringTenantData(families: ExpiringFamily[]): void {
  for (const family of families) expiring.set(family.partition, family);
}

export function expiringTenantData(): ExpiringFamily[] {
  return [...expiring.values()];
}

/**
 * What a tenant has outside the table, removed when the tenant is deleted: S3 prefixes,
 * schedules, SES identities, Cognito users. Each runs before the table's items are deleted (it
 * may read them: a tenant's identities, its members' logins) and must be safe to run again.
 */
export interface TenantCleanup {
  name: string;
  run(tenant: TenantId, db: DynamoDBDocumentClient): Promise<void>;
}

const cleanups = new Map<string, TenantCleanup>();

export function registerTenantCleanup(cleanup: TenantCleanup): void {
  cleanups.set(cleanup.name, cleanup);
}

export function tenantCleanups(): TenantCleanup[] {
  return [...cleanups.values()];
}

/**
 * What an export must never hold: attributes that are secrets at rest (a key's hash, a signing
 * salt, a private feed address, a paper letter's code), or whole items that are one.
 */
const secrets = new Map<string, readonly string[] | 'item'>();

export function registerSecrets(entity: string, attributes: readonly string[] | 'item'): void {
  secrets.set(entity, attributes);
}

/** The item as an export may show it, or undefined when the whole item is a secret. */
export function withoutSecretAttributes(item: Item): Item | undefined {
  const declared = secrets.get(String(item.entity));
  if (declared === 'item') return undefined;
  if (!declared) return item;
  return Object.fromEntries(Object.entries(item).filter(([name]) => !declared.includes(name)));
}

/** Where a walk stands: the source being walked and the start of its next listing page. */
export interface WalkPosition {
  source: number;
  cursor?: Record<string, unknown>;
}

export interface WalkPage {
  /**
   * Groups of items: each group is one listed item and what belongs to it, the listed item last,
   * so that a deletion which stops half-way still finds the rest of the group through it.
   */
  groups: Item[][];
  /** Where the next page starts; absent when the walk is complete. */
  next?: WalkPosition;
}

export interface WalkOptions {
  db: DynamoDBDocumentClient;
  tenant: TenantId;
  sources?: TenantDataSource[];
  /** Listed items per page (each with everything that belongs to it). */
  pageSize?: number;
}

const keyOf = (item: ItemKey) => `${item.PK}\u0000${item.SK}`;

/**
 * One page of the walk over the tenant's items, from `position`. Expired items are included: a
 * deletion removes them too, and an export leaves them out itself. Items reachable in several
 * ways (a contact listed by several indexes) can appear in several pages.
 */
export async function walkTenantData(
  options: WalkOptions,
  position: WalkPosition = { source: 0 },
): Promise<WalkPage> {
  const sources = options.sources ?? tenantDataSources();
  const pageSize = options.pageSize ?? 25;
  let { source: index, cursor } = position;
  while (index < sources.length) {
    const source = sources[index]!;
    const input = queryInput(options.tenant, source.list);
    input.Limit = pageSize;
    if (cursor) input.ExclusiveStartKey = cursor;
    const result = await options.db.send(new QueryCommand(input));
    const listed = result.Items ?? [];
    const groups: Item[][] = [];
    for (const item of listed) groups.push(await groupOf(options, source, item));
    const next: WalkPosition | undefined = result.LastEvaluatedKey
      ? { source: index, cursor: result.LastEvaluatedKey }
      : index + 1 < sources.length
        ? { source: index + 1 }
        : undefined;
    if (groups.length > 0 || !next) return { groups, ...(next ? { next } : {}) };
    index = next.source;
    cursor = next.cursor;
  }
  return { groups: [] };
}

/** Every item the registry reaches, each once (tests and small tenants; jobs page instead). */
export async function* everyTenantItem(options: WalkOptions): AsyncGenerator<Item> {
  const seen = new Set<string>();
  let position: WalkPosition | undefined = { source: 0 };
  while (position) {
    const page: WalkPage = await walkTenantData(options, position);
    for (const group of page.groups)
      for (const item of group) {
        const key = keyOf(item as unknown as ItemKey);
        if (seen.has(key)) continue;
        seen.add(key);
        yield item;
      }
    position = page.next;
  }
}

async function groupOf(options: WalkOptions, source: TenantDataSource, listed: Item): Promise<Item[]> {
  const members = new Map<string, Item>();
  const pending: Item[] = [];
  const add = (item: Item) => {
    const key = keyOf(item as unknown as ItemKey);
    if (members.has(key)) return;
    members.set(key, item);
    pending.push(item);
  };
  const readPartition = async (pk: string) => {
    for (const item of await queryEvery(options.db, { TableName: tableName, ...partitionQuery(pk) }))
      add(item);
  };
  add(listed);
  if (source.wholePartition ?? (source.list.index !== undefined && !source.throughOthers))
    await readPartition(String(listed.PK));
  // What belongs to an item can have more that belongs to it (a contact's timeline names activities).
  const readPartitions = new Set<string>();
  while (pending.length > 0) {
    const item = pending.shift()!;
    const related = source.related?.(item, options.tenant) ?? {};
    const own = (related.keys ?? []).filter((key) => key.PK.startsWith(tenantKey(options.tenant, '')));
    for (const found of await getEvery(options.db, own)) add(found);
    for (const listing of related.listings ?? []) {
      for (const found of await queryEvery(options.db, queryInput(options.tenant, listing))) {
        add(found);
        const pk = String(found.PK);
        if (listing.index !== undefined && !readPartitions.has(pk)) {
          readPartitions.add(pk);
          await readPartition(pk);
        }
      }
    }
  }
  members.delete(keyOf(listed as unknown as ItemKey));
  return source.throughOthers ? [...members.values()] : [...members.values(), listed];
}

function partitionQuery(
  pk: string,
): Pick<
  QueryCommandInput,
  'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
> {
  return {
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'PK' },
    ExpressionAttributeValues: { ':pk': pk },
  };
}

function queryInput(tenant: TenantId, listing: Listing): QueryCommandInput {
  const pk = listing.index ? `${listing.index}PK` : 'PK';
  const sk = listing.index ? `${listing.index}SK` : 'SK';
  const partition = tenantKey(tenant, ...listing.partition);
  return {
    TableName: tableName,
    IndexName: listing.index,
    KeyConditionExpression: listing.beginsWith ? '#pk = :pk AND begins_with(#sk, :sk)' : '#pk = :pk',
    ExpressionAttributeNames: listing.beginsWith ? { '#pk': pk, '#sk': sk } : { '#pk': pk },
    ExpressionAttributeValues: listing.beginsWith
      ? { ':pk': partition, ':sk': listing.beginsWith }
      : { ':pk': partition },
  };
}

async function queryEvery(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  const query = { ...input };
  do {
    const result = await db.send(new QueryCommand(query));
    items.push(...(result.Items ?? []));
    query.ExclusiveStartKey = result.LastEvaluatedKey;
  } while (query.ExclusiveStartKey);
  return items;
}

async function getEvery(db: DynamoDBDocumentClient, keys: ItemKey[]): Promise<Item[]> {
  const unique = [...new Map(keys.map((key) => [keyOf(key), { PK: key.PK, SK: key.SK }])).values()];
  const found: Item[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Array<Record<string, unknown>> | undefined = unique.slice(i, i + 100);
    for (let attempt = 0; pending?.length && attempt < 8; attempt++) {
      const result: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys;
      if (pending?.length) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
    if (pending?.length) throw new Error(`BatchGet left ${pending.length} keys unprocessed.`);
  }
  return found;
}

// The platform's own items: the suppression list; outbox items and idempotency records expire.
registerTenantData('platform', [{ name: 'suppressions', list: { partition: ['SUPPRESSIONS'] } }]);
registerExpiringTenantData([
  { partition: 'EVT', days: 7 },
  { partition: 'IDEM', days: 1 },
]);
