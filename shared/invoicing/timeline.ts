import type { TenantContext } from '../platform/context.ts';
import { describeActor } from '../platform/context.ts';
import { type Page, queryPage, type UnitOfWork } from '../platform/db/repository.ts';
import { newId } from '../platform/ids.ts';
import { invoiceKeys } from './keys.ts';
import type { InvoiceTimelineEntry } from './schema.ts';

/**
 * The invoice's own timeline: issue, payments, overdue, every email sent (or not) about it.
 * Entries are written in the unit of work of the change they record, so it never misses one.
 */
export function addInvoiceEntryInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  invoiceId: string,
  entry: Pick<InvoiceTimelineEntry, 'kind' | 'title'> & { summary?: string | undefined; at?: string },
): InvoiceTimelineEntry {
  const at = entry.at ?? ctx.clock.now().toISOString();
  const saved: InvoiceTimelineEntry = {
    id: newId(),
    invoiceId,
    at,
    kind: entry.kind,
    title: entry.title,
    ...(entry.summary ? { summary: entry.summary } : {}),
    actor: describeActor(ctx.actor),
  };
  uow.put({
    ...invoiceKeys.timelineEntry(ctx.tenantId, invoiceId, at, saved.id),
    entity: 'InvoiceTimelineEntry',
    ...saved,
  });
  return saved;
}

export async function listInvoiceTimeline(
  ctx: TenantContext,
  invoiceId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<InvoiceTimelineEntry>> {
  return queryPage<InvoiceTimelineEntry>(
    ctx,
    {
      partition: invoiceKeys.partition(ctx.tenantId, invoiceId),
      sort: { beginsWith: 'TL#' },
      ascending: false,
    },
    page,
  );
}
