import type { TenantContext } from '../platform/context.ts';
import { describeActor } from '../platform/context.ts';
import { type Page, queryPage, type UnitOfWork } from '../platform/db/repository.ts';
import { newId } from '../platform/ids.ts';
import { contactKeys } from './keys.ts';
import type { TimelineEntry } from './schema.ts';

type NewEntry = Pick<TimelineEntry, 'kind' | 'title'> &
  Partial<Pick<TimelineEntry, 'summary' | 'ref' | 'at'>>;

/**
 * A contact's timeline: everything that happened with them, newest first. Any module adds an
 * entry with the change it records (a call logged, an invoice reminder sent, a purchase, a survey
 * answered): the entry rides on the change's outbox item and is written once the change has
 * committed, from the stream (UnitOfWork.derive), so the timeline never misses or invents one and
 * the request's transaction stays small. It appears within the stream's lag.
 * Entries live in the contact's partition (`TL#<time>#<id>`), so one query reads them in order.
 */
export function addTimelineEntryInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  contactId: string,
  entry: NewEntry,
): TimelineEntry {
  const saved = timelineEntry(ctx, contactId, entry);
  uow.derive(timelineItem(ctx, saved), { parent: contactKeys.contact(ctx.tenantId, contactId) });
  return saved;
}

/**
 * The same entry, written in the change's own transaction: for entries that a later change of
 * the same record moves or removes (an activity's), which must never arrive after that change.
 */
export function writeTimelineEntryInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  contactId: string,
  entry: NewEntry,
): TimelineEntry {
  const saved = timelineEntry(ctx, contactId, entry);
  uow.put(timelineItem(ctx, saved));
  return saved;
}

function timelineEntry(ctx: TenantContext, contactId: string, entry: NewEntry): TimelineEntry {
  const at = entry.at ?? ctx.clock.now().toISOString();
  const saved: TimelineEntry = {
    id: newId(),
    contactId,
    at,
    kind: entry.kind,
    title: entry.title,
    ...(entry.summary ? { summary: entry.summary } : {}),
    ...(entry.ref ? { ref: entry.ref } : {}),
    actor: describeActor(ctx.actor),
  };
  return saved;
}

function timelineItem(ctx: TenantContext, entry: TimelineEntry) {
  return {
    ...contactKeys.timelineEntry(ctx.tenantId, entry.contactId, entry.at, entry.id),
    entity: 'TimelineEntry',
    ...entry,
  };
}

export async function listTimeline(
  ctx: TenantContext,
  contactId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<TimelineEntry>> {
  return queryPage<TimelineEntry>(
    ctx,
    {
      partition: contactKeys.contact(ctx.tenantId, contactId).PK,
      sort: { beginsWith: 'TL#' },
      ascending: false,
    },
    page,
  );
}
