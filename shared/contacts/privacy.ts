import { ContactErased, ContactMergeRequested, ContactsMerged } from '../../events/contacts.ts';
import type { TenantContext } from '../platform/context.ts';
import { type Condition, exists } from '../platform/db/expressions.ts';
import {
  getItem,
  type Item,
  queryAll,
  queryEach,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { absentIfNotFound, ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { ownValue } from '../platform/own.ts';
import { deleteActivity, getActivities } from './activities.ts';
import type { Activity } from './activity-schema.ts';
import { canonical } from './history.ts';
import { activityKeys, contactKeys } from './keys.ts';
import { getContactItem } from './records.ts';
import { type Contact, type ContactUpdate, LIMITS } from './schema.ts';
import { applyContactChange, contactFromItem, writeContactChangeInto } from './service.ts';
import { addTimelineEntryInto } from './timeline.ts';

/**
 * Duplicates and privacy: merging two contacts, exporting everything held about a contact, and
 * erasing one. All three work on the contact's partition, where every module keeps its items about
 * the person under its own sort-key prefix (docs/data-model.md). This module moves or removes only
 * its own prefixes and tells the others through events (`ContactsMerged`, `ContactErased`).
 */
const OWN_PREFIXES = ['TL#', 'HIST#', 'IX#'];
const BATCH = 50;

const isOwn = (sk: string) => OWN_PREFIXES.some((p) => sk.startsWith(p));

async function inBatches<T>(
  items: T[],
  add: (uow: ReturnType<typeof unitOfWork>, item: T) => void,
  ctx: TenantContext,
) {
  for (let start = 0; start < items.length; start += BATCH) {
    const uow = unitOfWork(ctx);
    for (const item of items.slice(start, start + BATCH)) add(uow, item);
    await uow.commit();
  }
}

// Merge

/** Merges into the contact requested and not yet done (`pendingMerges`, counted on the kept contact). */
const receivesMerges = (item: Record<string, unknown>) => Number(item.pendingMerges ?? 0) > 0;
const noPendingMerges: Condition = (e) =>
  `(attribute_not_exists(${e.name('pendingMerges')}) OR ${e.name('pendingMerges')} <= ${e.value(0)})`;
const receivingMerge = (contactId: string) =>
  new ConflictError(
    `Contact ${contactId} has another contact being merged into it; try again once that merge is done.`,
  );

/**
 * Asks for `duplicateId` to be merged into `contactId`. The duplicate is marked (so it cannot be
 * merged twice or into two contacts) and the work is done by the contacts worker, whatever the
 * number of records to move.
 */
export async function requestMerge(ctx: TenantContext, contactId: string, duplicateId: string) {
  if (contactId === duplicateId)
    throw ValidationError.field('body.duplicateId', 'A contact cannot be merged into itself.');
  const keep = await getContactItem(ctx, contactId, true);
  const duplicate = await getContactItem(ctx, duplicateId, true).catch(absentIfNotFound);
  if (!duplicate) throw ValidationError.field('body.duplicateId', `Contact ${duplicateId} does not exist.`);
  if (keep.mergingInto) throw new ConflictError('This contact is itself being merged into another.');
  if (duplicate.mergingInto)
    throw new ConflictError(`Contact ${duplicateId} is already being merged.`, {
      mergingInto: duplicate.mergingInto,
    });
  if (receivesMerges(duplicate)) throw receivingMerge(duplicateId);
  // The kept contact counts the merges coming into it: until they are done it can neither be
  // merged away nor erased, so a merge never copies into a contact that is gone.
  const uow = unitOfWork(ctx)
    .update(contactKeys.contact(ctx.tenantId, duplicateId), {
      set: { mergingInto: contactId },
      condition: (e) =>
        `attribute_exists(${e.name('PK')}) AND attribute_not_exists(${e.name('mergingInto')}) AND ${noPendingMerges(e)}`,
      onConditionFailed: (existing) =>
        existing && receivesMerges(existing)
          ? receivingMerge(duplicateId)
          : new ConflictError(`Contact ${duplicateId} is already being merged.`),
    })
    .update(contactKeys.contact(ctx.tenantId, contactId), {
      add: { pendingMerges: 1 },
      condition: (e) =>
        `attribute_exists(${e.name('PK')}) AND attribute_not_exists(${e.name('mergingInto')})`,
      onConditionFailed: () => new ConflictError('This contact is itself being merged into another.'),
    });
  uow.publish(ContactMergeRequested, { contactId, duplicateId });
  await uow.commit();
  return { contactId, duplicateId, status: 'merging' as const };
}

/** What the kept contact becomes: its own values win; the duplicate fills gaps and adds to lists. */
function mergedUpdate(keep: Contact, duplicate: Contact): ContactUpdate {
  const unique = <T>(values: T[], key: (v: T) => string = String) => {
    const seen = new Set<string>();
    return values.filter((v) => !seen.has(key(v)) && seen.add(key(v)));
  };
  const update: ContactUpdate = {
    tags: unique([...keep.tags, ...duplicate.tags]).slice(0, LIMITS.tags),
    emails: unique([...keep.emails, ...(duplicate.email ? [duplicate.email] : []), ...duplicate.emails])
      .filter((e) => e !== keep.email)
      .slice(0, LIMITS.emails),
    phones: unique([...keep.phones, ...duplicate.phones], (p) => p.number).slice(0, LIMITS.phones),
    addresses: unique([...keep.addresses, ...duplicate.addresses], canonical).slice(0, LIMITS.addresses),
  };
  if (!keep.email && duplicate.email) {
    update.email = duplicate.email;
    update.emails = update.emails!.filter((e) => e !== duplicate.email);
  }
  for (const field of ['companyId', 'ownerId', 'bestTimeToCall', 'demographics'] as const)
    if (!keep[field] && duplicate[field]) (update as Record<string, unknown>)[field] = duplicate[field];
  if (!keep.marketingConsent && duplicate.marketingConsent)
    update.marketingConsent = duplicate.marketingConsent;
  const customFields = Object.fromEntries(
    Object.entries(duplicate.customFields).filter(([key]) => ownValue(keep.customFields, key) === undefined),
  );
  if (Object.keys(customFields).length) update.customFields = customFields;
  return update;
}

/**
 * Moves the duplicate's timeline and history into the kept contact (idempotent copies, in batches),
 * repoints its activities, then switches atomically: the kept contact takes the merged fields and
 * the duplicate's email (as a further email), the duplicate disappears, `ContactsMerged` is
 * published. Leftovers are removed last; a redelivery after a crash resumes where it stopped.
 */
export async function performMerge(
  ctx: TenantContext,
  contactId: string,
  duplicateId: string,
): Promise<void> {
  const duplicateItem = await getItem(ctx, contactKeys.contact(ctx.tenantId, duplicateId), {
    consistent: true,
  });
  const t = ctx.tenantId;
  if (duplicateItem) {
    if (duplicateItem.mergingInto !== contactId) return;
    // Read before anything is copied: a kept contact that is gone (erased or merged away before
    // its merges were counted) releases the duplicate instead of failing on every redelivery.
    const keepItem = await getItem(ctx, contactKeys.contact(t, contactId), { consistent: true });
    if (!keepItem) {
      await unitOfWork(ctx)
        .update(contactKeys.contact(t, duplicateId), {
          remove: ['mergingInto'],
          condition: (e) => `${e.name('mergingInto')} = ${e.value(contactId)}`,
          onConditionFailed: () => new ConflictError('The duplicate no longer waits for this merge.'),
        })
        .commit()
        .catch((error) => {
          if (!(error instanceof ConflictError)) throw error;
        });
      return;
    }
    const toCopy: Item[] = [];
    for await (const item of queryEach(ctx, {
      partition: contactKeys.partition(t, duplicateId),
      consistent: true,
    })) {
      const sk = String(item.SK);
      if (sk.startsWith('TL#') || sk.startsWith('HIST#')) toCopy.push(item);
    }
    await inBatches(
      toCopy,
      (uow, item) =>
        uow.put({
          ...item,
          PK: contactKeys.partition(t, contactId),
          ...(item.contactId === duplicateId ? { contactId } : {}),
        }),
      ctx,
    );
    const activityIds = [
      ...new Set(
        toCopy
          .filter((i) => (i.ref as { type?: string } | undefined)?.type === 'activity')
          .map((i) => (i.ref as { id: string }).id),
      ),
    ];
    for (const id of activityIds) await repointActivity(ctx, id, duplicateId, contactId);
    const keep = contactFromItem(await getContactItem(ctx, contactId, true));
    const duplicate = contactFromItem(duplicateItem);
    // The duplicate's index items go first, so the switch below stays inside one transaction.
    const ownIndex: Item[] = [];
    for await (const item of queryEach(ctx, {
      partition: contactKeys.partition(t, duplicateId),
      sort: { beginsWith: 'IX#' },
      consistent: true,
    }))
      ownIndex.push(item);
    await inBatches(ownIndex, (uow, item) => uow.delete({ PK: String(item.PK), SK: String(item.SK) }), ctx);

    const uow = unitOfWork(ctx);
    uow.delete(contactKeys.contact(t, duplicateId), {
      condition: (e) => `${e.name('mergingInto')} = ${e.value(contactId)}`,
      onConditionFailed: () => new ConflictError('The duplicate changed during the merge.'),
    });
    const { next, fields } = applyContactChange(ctx, keep, mergedUpdate(keep, duplicate), { trusted: true });
    // A kept contact with no email takes the duplicate's, and its guard with it: one transaction
    // may not delete the guard and put it again.
    const emailMoves = duplicate.email !== undefined && next.email === duplicate.email;
    if (duplicate.email && !emailMoves) uow.delete(contactKeys.email(t, duplicate.email));
    writeContactChangeInto(uow, ctx, keep, next, fields, 'merged', {
      ...(emailMoves ? { emailGuardOf: duplicateId } : {}),
      mergeDone: true,
    });
    addTimelineEntryInto(uow, ctx, contactId, {
      kind: 'change',
      title: `Merged with ${duplicate.firstName} ${duplicate.lastName}`,
      ref: { type: 'contact', id: duplicateId },
    });
    // Who the duplicate became, for work that arrives for it later (a rule's delayed action).
    uow.put({
      ...contactKeys.merged(t, duplicateId),
      entity: 'ContactMerge',
      GSI1PK: contactKeys.tombstones(t),
      GSI1SK: `${duplicateId}#MERGED`,
      GSI3PK: contactKeys.mergedInto(t, contactId),
      GSI3SK: duplicateId,
      contactId: duplicateId,
      mergedInto: contactId,
      mergedAt: ctx.clock.now().toISOString(),
    });
    uow.publish(ContactsMerged, { contactId, mergedContactId: duplicateId });
    await uow.commit();
  }
  await removeOwnItems(ctx, duplicateId);
}

async function repointActivity(ctx: TenantContext, id: string, from: string, to: string): Promise<void> {
  const item = await getItem(ctx, activityKeys.activity(ctx.tenantId, id), { consistent: true });
  if (!item) return;
  const activity = item as unknown as Activity & { timelineKeys?: Array<{ contactId: string; sk: string }> };
  const contactIds = [...new Set(activity.contactIds.map((c) => (c === from ? to : c)))];
  const timelineKeys = (activity.timelineKeys ?? []).map((k) =>
    k.contactId === from ? { ...k, contactId: to } : k,
  );
  await unitOfWork(ctx)
    .update(activityKeys.activity(ctx.tenantId, id), { set: { contactIds, timelineKeys }, condition: exists })
    .commit();
}

async function removeOwnItems(ctx: TenantContext, contactId: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of queryEach(ctx, {
    partition: contactKeys.partition(ctx.tenantId, contactId),
    consistent: true,
  }))
    if (isOwn(String(item.SK))) items.push(item);
  await inBatches(items, (uow, item) => uow.delete({ PK: String(item.PK), SK: String(item.SK) }), ctx);
  return items;
}

// Privacy export

/** Everything held about a contact: one Query of its partition, plus the activities it is linked to. */
export async function exportContactData(ctx: TenantContext, contactId: string) {
  const items = await queryAll(ctx, {
    partition: contactKeys.partition(ctx.tenantId, contactId),
    consistent: true,
  });
  const contactItem = items.find((i) => i.SK === 'CONTACT');
  if (!contactItem) throw new NotFoundError('Contact', contactId);
  const bySk = (prefix: string) =>
    items.filter((i) => String(i.SK).startsWith(prefix)).map((i) => withoutKeys(i));
  const timeline = bySk('TL#').reverse();
  const activityIds = [
    ...new Set(
      timeline
        .map((e) => (e as { ref?: { type: string; id: string } }).ref)
        .filter((r) => r?.type === 'activity')
        .map((r) => r!.id),
    ),
  ];
  return {
    exportedAt: ctx.clock.now().toISOString(),
    contact: contactFromItem(contactItem),
    history: bySk('HIST#').reverse(),
    timeline,
    activities: await getActivities(ctx, activityIds),
    /** Items other modules keep about the contact (purchases, billing, subscriptions, surveys). */
    otherRecords: items
      .filter((i) => i.SK !== 'CONTACT' && !isOwn(String(i.SK)))
      .map((i) => ({ kind: String(i.SK).split('#')[0], ...withoutKeys(i) })),
  };
}

// Erasure

/**
 * Erases a contact: the contact item and its email guard go at once, with a `ContactErased` event
 * in the same transaction; the worker then removes this module's items (timeline, history,
 * indexes) and the contact's activities, and every other module reacts to the event by removing or
 * anonymizing what it holds (invoices keep their amounts, lose the person). A tombstone without
 * personal data records that the erasure happened, and when.
 */
export async function eraseContact(ctx: TenantContext, contactId: string): Promise<void> {
  const item = await getContactItem(ctx, contactId, true);
  if (item.mergingInto)
    throw new ConflictError('This contact is being merged; erase the contact it is merged into.');
  if (receivesMerges(item)) throw receivingMerge(contactId);
  const uow = unitOfWork(ctx)
    .delete(contactKeys.contact(ctx.tenantId, contactId), {
      // Not while a merge of it was requested meanwhile (that does not move its version): the
      // merge's kept contact would wait for it for good.
      condition: (e) =>
        `${e.name('version')} = ${e.value(item.version)} AND ${noPendingMerges(e)} AND attribute_not_exists(${e.name('mergingInto')})`,
      onConditionFailed: (existing) =>
        existing?.mergingInto
          ? new ConflictError('This contact is being merged; erase the contact it is merged into.')
          : existing && receivesMerges(existing)
            ? receivingMerge(contactId)
            : new ConflictError('The contact changed while being erased; try again.'),
    })
    .put({
      ...contactKeys.erasure(ctx.tenantId, contactId),
      entity: 'ContactErasure',
      GSI1PK: contactKeys.tombstones(ctx.tenantId),
      GSI1SK: `${contactId}#ERASED`,
      contactId,
      erasedAt: ctx.clock.now().toISOString(),
      erasedBy: ctx.actor.type === 'member' ? ctx.actor.memberId : ctx.actor.type,
    });
  if (item.email) uow.delete(contactKeys.email(ctx.tenantId, String(item.email)));
  uow.publish(ContactErased, { contactId });
  await uow.commit();
}

/** The worker's part of an erasure (idempotent): own items and activities. */
export async function sweepErasedContact(ctx: TenantContext, contactId: string): Promise<void> {
  const removed = await removeOwnItems(ctx, contactId);
  const activityIds = new Set(
    removed
      .map((i) => i.ref as { type?: string; id?: string } | undefined)
      .filter((r) => r?.type === 'activity')
      .map((r) => r!.id!),
  );
  for (const id of activityIds) {
    const item = await getItem(ctx, activityKeys.activity(ctx.tenantId, id), { consistent: true });
    if (!item) continue;
    const activity = item as unknown as Activity & {
      timelineKeys?: Array<{ contactId: string; sk: string }>;
    };
    const others = activity.contactIds.filter((c) => c !== contactId);
    const uow = unitOfWork(ctx);
    if (others.length === 0 && !activity.companyId) {
      await deleteActivity(ctx, id);
      continue;
    }
    uow.update(activityKeys.activity(ctx.tenantId, id), {
      set: {
        contactIds: others,
        timelineKeys: (activity.timelineKeys ?? []).filter((k) => k.contactId !== contactId),
      },
    });
    await uow.commit();
  }
}
