import type { TenantContext } from '../context.ts';
import type { ItemKey, TenantId } from '../db/keys.ts';
import { getItems, type Item } from '../db/repository.ts';
import { ValidationError } from '../errors.ts';
import type { AnyRoute } from './route.ts';

/**
 * `?expand=company,owner`: a read or a list answers, beside each record, the records its id fields
 * name, under `expanded` (`{ "companyId": "01…", "expanded": { "company": { … } } }`), so a client
 * needs no second round trip. The relations a route offers are declared on the route (`expand`),
 * and the reference lists them. Cost: one BatchGetItem, eventually consistent, for every 100
 * distinct records named by the page, whatever the number of relations: a contact read with
 * `expand=company,owner` is one GetItem and one BatchGetItem of two items (1.5 RCU for items
 * under 4 KB). A relation whose record no longer exists, or whose field is empty, expands to null.
 */

/** How to read an expandable kind of record and show it as the API does. */
export interface ExpandableKind {
  key(tenant: TenantId, id: string): ItemKey;
  /** The stored item as its API representation (async: a kind may load its schema on first use). */
  show(item: Item): unknown | Promise<unknown>;
}

export type ExpandableKinds = Record<string, ExpandableKind>;

/**
 * The relations asked for in `expand`, taken out of the query so the strict query schema does
 * not see them. An unknown relation, or `expand` on a route that offers none, is a 400.
 */
export function takeExpand(route: AnyRoute, query: Record<string, string | undefined> | undefined): string[] {
  const asked = query?.expand;
  if (asked === undefined || !route.expand) return [];
  delete query!.expand;
  const offered = Object.keys(route.expand);
  const names = [...new Set(asked.split(',').map((name) => name.trim()))];
  const unknown = names.filter((name) => !offered.includes(name));
  if (unknown.length)
    throw new ValidationError([
      {
        path: 'query.expand',
        message: `Unknown relation ${unknown.join(', ')}; the relations here are: ${offered.join(', ')}.`,
      },
    ]);
  return names;
}

/** Adds `expanded` to the record, or to each record of a page (`items`), in place. */
export async function expandBody(
  ctx: TenantContext,
  route: AnyRoute,
  relations: string[],
  body: Record<string, unknown>,
  kinds: ExpandableKinds,
): Promise<void> {
  const records = (Array.isArray(body.items) ? body.items : [body]) as Array<Record<string, unknown>>;
  const wanted = relations.map((name) => ({ name, ...route.expand![name]! }));
  const keys = new Map<string, ItemKey>();
  const idsOf = (record: Record<string, unknown>, field: string): string[] => {
    const value = record[field];
    return (Array.isArray(value) ? value : [value]).filter((id): id is string => typeof id === 'string');
  };
  for (const record of records) {
    for (const { field, kind } of wanted) {
      const expandable = kinds[kind];
      if (!expandable) throw new Error(`No expandable record kind ${kind} (functions/app/expansions.ts).`);
      for (const id of idsOf(record, field)) keys.set(`${kind}#${id}`, expandable.key(ctx.tenantId, id));
    }
  }
  const items = await getItems(ctx, [...keys.values()]);
  const byKey = new Map(items.map((item) => [`${item.PK}|${item.SK}`, item]));
  const find = async (kind: string, id: string) => {
    const key = keys.get(`${kind}#${id}`)!;
    const item = byKey.get(`${key.PK}|${key.SK}`);
    return item ? kinds[kind]!.show(item) : null;
  };
  for (const record of records) {
    const expanded: Record<string, unknown> = {};
    for (const { name, field, kind } of wanted) {
      const value = record[field];
      expanded[name] = Array.isArray(value)
        ? await Promise.all(idsOf(record, field).map((id) => find(kind, id)))
        : typeof value === 'string'
          ? await find(kind, value)
          : null;
    }
    record.expanded = expanded;
  }
}
