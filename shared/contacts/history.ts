import type { Actor, TenantContext } from '../platform/context.ts';
import { type Page, queryPage, type UnitOfWork } from '../platform/db/repository.ts';
import { newId } from '../platform/ids.ts';
import { companyKeys, contactKeys } from './keys.ts';
import type { HistoryActor, HistoryEntry } from './schema.ts';

/**
 * Change history of contacts and companies: who changed what, when, with each field's old and new
 * value. The entry is made with the change and rides on its outbox item; it is written once the
 * change has committed, from the stream (UnitOfWork.derive), so the history can neither miss nor
 * invent a change and costs the request nothing. It lives in the subject's partition
 * (`HIST#<ulid>`: ULIDs sort by time), where merge, export and erasure find it with the rest of the
 * contact. It appears within the stream's lag (docs/data-model.md, Eventual consistency).
 */
export function historyActor(actor: Actor): HistoryActor {
  switch (actor.type) {
    case 'member':
      return { type: 'member', memberId: actor.memberId, ...(actor.keyId ? { keyId: actor.keyId } : {}) };
    case 'contact':
      return { type: 'contact', contactId: actor.contactId };
    case 'import':
      return { type: 'import', importId: actor.importId };
    case 'automation':
      return { type: 'automation', ruleId: actor.ruleId };
    case 'system':
      return { type: 'system', process: actor.process };
    case 'public':
      return { type: 'public' };
  }
}

/** JSON with object keys sorted: DynamoDB returns map attributes in no particular order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** A value with nothing in it: absent, an empty list or an empty map. */
const isEmpty = (value: unknown): boolean =>
  value === undefined ||
  value === null ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0);

/**
 * Field-by-field differences; absent values read as `null`, and an empty list or map is the same
 * as an absent one (a contact created without phones has no change to its phones to record).
 */
export function fieldChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  fields: string[],
): HistoryEntry['changes'] {
  const changes: HistoryEntry['changes'] = {};
  const compared = (value: unknown) => canonical(isEmpty(value) ? null : value);
  for (const field of fields) {
    if (compared(before[field]) !== compared(after[field]))
      changes[field] = { from: before[field] ?? null, to: after[field] ?? null };
  }
  return changes;
}

export function recordHistoryInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  subject: HistoryEntry['subject'],
  action: HistoryEntry['action'],
  changes: HistoryEntry['changes'],
): HistoryEntry {
  const entry: HistoryEntry = {
    id: newId(),
    at: ctx.clock.now().toISOString(),
    subject,
    action,
    actor: historyActor(ctx.actor),
    changes,
  };
  const [key, parent] =
    subject.type === 'contact'
      ? [
          contactKeys.historyEntry(ctx.tenantId, subject.id, entry.id),
          contactKeys.contact(ctx.tenantId, subject.id),
        ]
      : [
          companyKeys.historyEntry(ctx.tenantId, subject.id, entry.id),
          companyKeys.company(ctx.tenantId, subject.id),
        ];
  uow.derive({ ...key, entity: 'HistoryEntry', ...entry }, { parent });
  return entry;
}

/** A contact's or company's history, newest first. */
export async function listHistory(
  ctx: TenantContext,
  subject: HistoryEntry['subject'],
  page: { limit: number; cursor?: string },
): Promise<Page<HistoryEntry>> {
  const partition =
    subject.type === 'contact'
      ? contactKeys.partition(ctx.tenantId, subject.id)
      : companyKeys.partition(ctx.tenantId, subject.id);
  return queryPage<HistoryEntry>(ctx, { partition, sort: { beginsWith: 'HIST#' }, ascending: false }, page);
}
