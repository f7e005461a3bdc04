import { ListDeleted } from '../../events/marketing.ts';
import { contactKeys } from '../contacts/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  getItem,
  getItems,
  type Item,
  type Page,
  queryEach,
  queryPage,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { listKeys } from './keys.ts';
import type { List, ListCreate, ListMember, ListMembersResult, ListUpdate } from './schema.ts';

/**
 * Static lists. A membership is an item in the contact's partition (`LIST#<listId>`), indexed by
 * list on GSI1, so a list's members are one query and everything about a person stays in their
 * partition (privacy export, erasure, merge). The list item keeps `memberCount`, moved in the
 * transaction that adds or removes members (at most 98 per transaction), so the count is exact.
 */
const toList = (item: Item) => withoutKeys<List>(item);

const nameIndex = (ctx: TenantContext, list: Pick<List, 'name' | 'id'>) => ({
  GSI1PK: listKeys.all(ctx.tenantId),
  GSI1SK: `${list.name.toLowerCase()}#${list.id}`,
});

export async function createList(ctx: TenantContext, input: ListCreate): Promise<List> {
  const now = ctx.clock.now().toISOString();
  const list: List = { id: newId(), ...input, memberCount: 0, createdAt: now, updatedAt: now, version: 1 };
  await unitOfWork(ctx)
    .put(
      { ...listKeys.list(ctx.tenantId, list.id), entity: 'MailingList', ...list, ...nameIndex(ctx, list) },
      { condition: notExists },
    )
    .commit();
  return list;
}

export async function getList(ctx: TenantContext, id: string, consistent = false): Promise<List> {
  const item = await getItem(ctx, listKeys.list(ctx.tenantId, id), { consistent });
  if (!item) throw new NotFoundError('List', id);
  return toList(item);
}

export async function listLists(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<List>> {
  return queryPage(ctx, { index: 'GSI1', partition: listKeys.all(ctx.tenantId) }, page, toList);
}

export async function updateList(
  ctx: TenantContext,
  id: string,
  input: ListUpdate,
  ifMatch?: number | 'any',
): Promise<List> {
  const current = await getList(ctx, id);
  if (typeof ifMatch === 'number' && ifMatch !== current.version) throw new PreconditionFailedError();
  const next: List = { ...current, ...(input.name !== undefined ? { name: input.name } : {}) };
  if (input.description === null) delete next.description;
  else if (input.description !== undefined) next.description = input.description;
  if (next.name === current.name && next.description === current.description) return current;
  next.updatedAt = ctx.clock.now().toISOString();
  next.version = current.version + 1;
  await unitOfWork(ctx)
    .update(listKeys.list(ctx.tenantId, id), {
      set: {
        name: next.name,
        description: next.description,
        updatedAt: next.updatedAt,
        ...nameIndex(ctx, next),
      },
      bumpVersion: true,
      condition: and(exists, hasVersion(current.version)),
      onConditionFailed: () => new PreconditionFailedError(),
    })
    .commit();
  return { ...next, memberCount: current.memberCount };
}

/**
 * Deletes the list at once; its membership items are removed in the background (ListDeleted),
 * since a list can have more members than one request can touch.
 */
export async function deleteList(ctx: TenantContext, id: string, ifMatch?: number | 'any'): Promise<void> {
  const current = await getList(ctx, id);
  if (typeof ifMatch === 'number' && ifMatch !== current.version) throw new PreconditionFailedError();
  const uow = unitOfWork(ctx).delete(listKeys.list(ctx.tenantId, id), {
    condition: exists,
    onConditionFailed: () => new NotFoundError('List', id),
  });
  uow.publish(ListDeleted, { listId: id });
  await uow.commit();
}

/** Removes the memberships of a deleted list, page by page (idempotent). */
export async function sweepDeletedList(ctx: TenantContext, listId: string): Promise<number> {
  let removed = 0;
  let batch: Item[] = [];
  const flush = async () => {
    const uow = unitOfWork(ctx);
    for (const item of batch) uow.delete({ PK: String(item.PK), SK: String(item.SK) });
    await uow.commit();
    removed += batch.length;
    batch = [];
  };
  for await (const item of queryEach(ctx, {
    index: 'GSI1',
    partition: listKeys.members(ctx.tenantId, listId),
  })) {
    batch.push(item);
    if (batch.length === 100) await flush();
  }
  if (batch.length) await flush();
  return removed;
}

export async function listMembers(
  ctx: TenantContext,
  listId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<ListMember>> {
  await getList(ctx, listId);
  return queryPage(
    ctx,
    { index: 'GSI1', partition: listKeys.members(ctx.tenantId, listId) },
    page,
    (item) => ({
      contactId: String(item.contactId),
      addedAt: String(item.addedAt),
      source: String(item.source),
    }),
  );
}

/** At most this many memberships per transaction, leaving room for the list's counter. */
const PER_TRANSACTION = 98;

class MembershipMoved extends ConflictError {}

async function changeMembers(
  ctx: TenantContext,
  listId: string,
  contactIds: string[],
  change: 'add' | 'remove',
  source: string,
): Promise<ListMembersResult> {
  const ids = [...new Set(contactIds)];
  const t = ctx.tenantId;
  await getList(ctx, listId);
  const result: ListMembersResult = { changed: 0, unchanged: 0, notFound: [], memberCount: 0 };
  for (let start = 0; start < ids.length; start += PER_TRANSACTION) {
    const chunk = ids.slice(start, start + PER_TRANSACTION);
    for (let attempt = 0; ; attempt++) {
      const found = await getItems(ctx, [
        ...chunk.map((id) => contactKeys.contact(t, id)),
        ...chunk.map((id) => listKeys.member(t, listId, id)),
      ]);
      const contacts = new Set(found.filter((i) => i.SK === 'CONTACT').map((i) => String(i.id)));
      const members = new Set(found.filter((i) => i.SK !== 'CONTACT').map((i) => String(i.contactId)));
      const missing = chunk.filter((id) => !contacts.has(id) && !members.has(id));
      const todo =
        change === 'add'
          ? chunk.filter((id) => contacts.has(id) && !members.has(id))
          : chunk.filter((id) => members.has(id));
      try {
        if (todo.length) await commitMembers(ctx, listId, todo, change, source);
        result.changed += todo.length;
        result.unchanged += chunk.length - todo.length - missing.length;
        result.notFound.push(...missing);
        break;
      } catch (error) {
        // Someone changed one of these memberships meanwhile: read them again.
        if (!(error instanceof MembershipMoved) || attempt >= 2) throw error;
      }
    }
  }
  result.memberCount = (await getList(ctx, listId, true)).memberCount;
  return result;
}

async function commitMembers(
  ctx: TenantContext,
  listId: string,
  contactIds: string[],
  change: 'add' | 'remove',
  source: string,
): Promise<void> {
  const t = ctx.tenantId;
  const now = ctx.clock.now().toISOString();
  const moved = () => new MembershipMoved('A membership changed meanwhile.');
  const uow = unitOfWork(ctx);
  for (const contactId of contactIds) {
    if (change === 'add') {
      uow.put(
        {
          ...listKeys.member(t, listId, contactId),
          entity: 'ListMember',
          listId,
          contactId,
          addedAt: now,
          source,
          GSI1PK: listKeys.members(t, listId),
          GSI1SK: contactId,
        },
        { condition: notExists, onConditionFailed: moved },
      );
    } else {
      uow.delete(listKeys.member(t, listId, contactId), { condition: exists, onConditionFailed: moved });
    }
  }
  uow.update(listKeys.list(t, listId), {
    add: { memberCount: change === 'add' ? contactIds.length : -contactIds.length },
    condition: exists,
    onConditionFailed: () => new NotFoundError('List', listId),
  });
  await uow.commit();
}

export function addMembers(
  ctx: TenantContext,
  listId: string,
  contactIds: string[],
  source = 'manual',
): Promise<ListMembersResult> {
  return changeMembers(ctx, listId, contactIds, 'add', source);
}

export function removeMembers(
  ctx: TenantContext,
  listId: string,
  contactIds: string[],
): Promise<ListMembersResult> {
  return changeMembers(ctx, listId, contactIds, 'remove', 'manual');
}
