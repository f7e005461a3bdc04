import type { TenantContext } from '../platform/context.ts';
import { getItem, queryEach } from '../platform/db/repository.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { contactKeys } from './keys.ts';
import { getContact } from './records.ts';
import type { Contact } from './schema.ts';

/** Merge chains longer than this are not followed (a merge takes one request each). */
const MAX_HOPS = 10;

/**
 * Where a contact's records belong now: the contact itself, or the contact it was merged into,
 * followed along merge chains (merges arrive in any order), and whether that contact was erased.
 * Read from the tombstones a merge and an erasure leave (`contactKeys.merged`, `contactKeys.erasure`).
 */
export async function contactBecame(
  ctx: TenantContext,
  contactId: string,
): Promise<{ id: string; erased: boolean }> {
  let id = contactId;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const [erased, merged] = await Promise.all([
      getItem(ctx, contactKeys.erasure(ctx.tenantId, id), { consistent: true }),
      getItem(ctx, contactKeys.merged(ctx.tenantId, id), { consistent: true }),
    ]);
    if (erased) return { id, erased: true };
    if (!merged) return { id, erased: false };
    id = String(merged.mergedInto);
  }
  return { id, erased: false };
}

/**
 * The contact a link or a record names, as it is now: itself, or the contact it was merged into
 * (a person's links keep working after a merge); undefined when it is gone or was erased.
 */
export async function currentContact(ctx: TenantContext, contactId: string): Promise<Contact | undefined> {
  const contact = await getContact(ctx, contactId).catch(absentIfNotFound);
  if (contact) return contact;
  const became = await contactBecame(ctx, contactId);
  if (became.erased || became.id === contactId) return undefined;
  return getContact(ctx, became.id).catch(absentIfNotFound);
}

/**
 * Every contact merged into this one, directly or along merge chains (C into B, then B into A:
 * both for A), from the merge tombstones' index (GSI3 `CONTACTS-MERGED-INTO#<id>`). What holds a
 * merged-away id (warehouse facts written before the merge reached them) must follow it when the
 * contact it became is erased. Tombstones written before that index existed are not listed.
 */
export async function contactsMergedInto(ctx: TenantContext, contactId: string): Promise<string[]> {
  const found = new Set<string>();
  let frontier = [contactId];
  for (let hop = 0; hop < MAX_HOPS && frontier.length; hop++) {
    const next: string[] = [];
    for (const id of frontier)
      for await (const item of queryEach(ctx, {
        index: 'GSI3',
        partition: contactKeys.mergedInto(ctx.tenantId, id),
      })) {
        const merged = String(item.contactId);
        if (merged === contactId || found.has(merged)) continue;
        found.add(merged);
        next.push(merged);
      }
    frontier = next;
  }
  return [...found];
}
