import type { TenantContext } from '../platform/context.ts';
import { describeActor } from '../platform/context.ts';
import { type Page, queryPage, type UnitOfWork } from '../platform/db/repository.ts';
import { newId } from '../platform/ids.ts';
import { contactKeys } from './keys.ts';
import type { TimelineEntry } from './schema.ts';

/**
 * A contact's timeline: everything that happened with them, newest first. Any module adds an
 * entry in the same unit of work as the change it records (a call logged, an invoice reminder
 * sent, a purchase, a survey answered), so the timeline never misses or invents one.
 * Entries live in the contact's partition (`TL#<time>#<id>`), so one query reads them in order.
 */
export function addTimelineEntryInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  contactId: string,
  entry: Pick<TimelineEntry, 'kind' | 'title'> & Partial<Pick<TimelineEntry, 'summary' | 'ref' | 'at'>>,
): TimelineEntry {
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
  uow.put({
    ...contactKeys.timelineEntry(ctx.tenantId, contactId, at, saved.id),
    entity: 'TimelineEntry',
    ...saved,
  });
  return saved;
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
