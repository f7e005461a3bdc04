import type { CheckedReferences, TenantContext } from './context.ts';
import type { ItemKey, TenantId } from './db/keys.ts';
import { getItems } from './db/repository.ts';
import { UnknownReferenceError } from './errors.ts';

/**
 * References from a request to other records of the caller's tenant (a contact's `companyId`, a
 * task's `assigneeId`, an order's `lines[].productId`...). A route declares them by path
 * (`references: { companyId: 'company', 'lines.*.productId': 'product' }`; `*` is any array
 * element, and the kind `@<field>` means "the kind the sibling field names", as in a task link's
 * `{ type, id }`). Before the operation runs, the HTTP layer reads every referenced record in one
 * BatchGetItem: a missing one is a 422 naming each field. Records of a kind that can disappear
 * (an erased contact, a deleted list) are also checked in the request's own transaction
 * (`ConditionCheck`, added by UnitOfWork from the context), so no write commits against a record
 * deleted between the read and the commit. Kinds that are never deleted (companies, members,
 * products...) need no such check: once read, they exist.
 *
 * Which key each kind has is declared with the application (functions/app/records.ts), so that a
 * module can reference records of modules that build on it (a task linked to an invoice) without
 * importing them. test/unit/app/references.test.ts checks that every id-like field of every
 * request body is declared, so a new one cannot be forgotten.
 */
export type ReferenceDeclarations = Record<string, string>;

export interface RecordKind {
  /** How messages name it: "Company". */
  label: string;
  key(tenant: TenantId, id: string): ItemKey;
  /**
   * Records of this kind can be deleted (erasure, DELETE): check them in the transaction too.
   * Kinds without it must never be deleted: once read, their existence is remembered.
   */
  vanishes?: boolean;
}

/**
 * Records of kinds that are never deleted, seen to exist by this process: existence that cannot
 * be undone needs reading once (a sales member names the same owner and company all day). Only
 * positive answers are kept, keyed by the full tenant-prefixed key; the set is emptied when full.
 */
const known = new Set<string>();
const KNOWN_LIMIT = 10_000;

export type RecordKinds = Record<string, RecordKind>;

export interface Reference {
  /** `body.lines.0.productId` */
  path: string;
  kind: string;
  id: string;
}

/** Every declared reference present in `value`, with its path under `prefix`. */
export function referencesIn(
  declared: ReferenceDeclarations | undefined,
  value: unknown,
  prefix: string,
): Reference[] {
  if (!declared) return [];
  const found: Reference[] = [];
  for (const [pattern, kind] of Object.entries(declared))
    collect(pattern.split('.'), kind, value, prefix, undefined, found);
  return found;
}

function collect(
  segments: string[],
  kind: string,
  value: unknown,
  path: string,
  parent: unknown,
  found: Reference[],
): void {
  if (value === undefined || value === null) return;
  const [head, ...rest] = segments;
  if (head === undefined) {
    if (typeof value !== 'string') return;
    const named = kind.startsWith('@')
      ? (parent as Record<string, unknown> | undefined)?.[kind.slice(1)]
      : kind;
    if (typeof named === 'string') found.push({ path, kind: named, id: value });
    return;
  }
  if (typeof value !== 'object') return;
  if (head === '*') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    for (const [key, element] of entries) collect(rest, kind, element, `${path}.${key}`, parent, found);
    return;
  }
  collect(rest, kind, (value as Record<string, unknown>)[head], `${path}.${head}`, value, found);
}

/** Few enough to ride along in a transaction; longer lists (bulk audiences) rely on the read. */
const MAX_GUARDS = 10;

/**
 * Reads every referenced record (one BatchGetItem per 100) and says which are missing and which
 * the request's transactions must check again (kinds that can vanish).
 */
export async function checkReferences(
  ctx: TenantContext,
  references: Reference[],
  kinds: RecordKinds,
  resource?: { kind: string; id: string },
): Promise<CheckedReferences & { resourceExists?: boolean }> {
  const all = resource ? [...references, { path: '', ...resource }] : references;
  const everything = all.map((reference) => {
    const kind = kinds[reference.kind];
    if (!kind) throw new Error(`No record kind ${reference.kind} is declared (functions/app/records.ts).`);
    return { reference, kind, key: kind.key(ctx.tenantId, reference.id) };
  });
  const resolved = resource ? everything.slice(0, -1) : everything;
  const keyOf = (key: ItemKey) => `${key.PK}\u0000${key.SK}`;
  const unique = [
    ...new Map(everything.filter((r) => !known.has(keyOf(r.key))).map((r) => [keyOf(r.key), r.key])).values(),
  ];
  const read = new Set(
    (unique.length ? await getItems(ctx, unique) : []).map((item) => keyOf(item as unknown as ItemKey)),
  );
  const present = { has: (key: string) => known.has(key) || read.has(key) };
  if (known.size > KNOWN_LIMIT) known.clear();
  for (const r of everything) if (!r.kind.vanishes && read.has(keyOf(r.key))) known.add(keyOf(r.key));
  const issue = ({ reference, kind }: (typeof resolved)[number]) => ({
    path: reference.path,
    message: `${kind.label} ${reference.id} was not found.`,
  });
  const guards = resolved.filter((r) => r.kind.vanishes && present.has(keyOf(r.key)));
  return {
    missing: resolved.filter((r) => !present.has(keyOf(r.key))).map(issue),
    guards: guards.length > MAX_GUARDS ? [] : guards.map((r) => ({ key: r.key, ...issue(r) })),
    ...(resource ? { resourceExists: present.has(keyOf(everything.at(-1)!.key)) } : {}),
  };
}

/** 422 now, naming each field, when a request names records that do not exist. */
export function assertReferencesExist(checked: CheckedReferences): void {
  if (checked.missing.length) throw new UnknownReferenceError([...checked.missing]);
}
