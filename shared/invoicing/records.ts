import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { getItem, type Item, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { invoiceKeys } from './keys.ts';
import { type DunningNoticeStatus, type Invoice, type InvoiceStatus, UNPAID_STATUSES } from './schema.ts';

/**
 * The invoice as stored: the API shape, with its dunning state kept flat (a map of level → notice
 * status, which a single conditional update can extend) and two markers the sweep relies on.
 */
export interface StoredInvoice extends Omit<Invoice, 'dunning'> {
  dunningNotices: Record<string, DunningNoticeStatus>;
  dunningLevel?: string;
  lastNoticeAt?: string;
  /** A level whose emails were claimed and are not yet recorded (see notices.ts). */
  dunningPending?: { levelId: string; claimedAt: string };
  /** The level the collections task was last brought up to date with. */
  collectionsTaskLevel?: string;
}

export function toStored(item: Item): StoredInvoice {
  const stored = withoutKeys<StoredInvoice>(item);
  return { ...stored, dunningNotices: stored.dunningNotices ?? {} };
}

export function toInvoice(stored: StoredInvoice): Invoice {
  const {
    dunningNotices,
    dunningLevel,
    lastNoticeAt,
    dunningPending: _p,
    collectionsTaskLevel: _c,
    ...rest
  } = stored;
  return {
    ...rest,
    dunning: {
      ...(dunningLevel ? { level: dunningLevel } : {}),
      ...(lastNoticeAt ? { lastNoticeAt } : {}),
      notices: dunningNotices,
    },
  };
}

export function isUnpaid(status: InvoiceStatus): boolean {
  return UNPAID_STATUSES.includes(status);
}

/**
 * Index attributes for an invoice in its current state. GSI4 (what is owed) exists only while the
 * invoice is unpaid; `indexRemovals` names what an update must remove, so paying an invoice takes
 * it out of the sweep's index in the same transaction.
 */
export function indexAttributes(
  t: TenantId,
  invoice: Pick<StoredInvoice, 'id' | 'status' | 'contactId' | 'dueDate'>,
): Record<string, string> {
  const sort = invoiceKeys.dueSort(invoice.dueDate, invoice.id);
  return {
    GSI1PK: invoiceKeys.all(t),
    GSI1SK: sort,
    GSI2PK: invoiceKeys.inStatus(t, invoice.status),
    GSI2SK: sort,
    GSI3PK: invoiceKeys.ofCustomer(t, invoice.contactId),
    GSI3SK: sort,
    ...(isUnpaid(invoice.status) ? { GSI4PK: invoiceKeys.unpaid(t), GSI4SK: sort } : {}),
  };
}

export function indexRemovals(invoice: Pick<StoredInvoice, 'status'>): string[] {
  return isUnpaid(invoice.status) ? [] : ['GSI4PK', 'GSI4SK'];
}

export async function getStoredInvoice(
  ctx: TenantContext,
  id: string,
  options: { consistent?: boolean } = {},
): Promise<StoredInvoice> {
  const item = await getItem(ctx, invoiceKeys.invoice(ctx.tenantId, id), options);
  if (!item) throw new NotFoundError('Invoice', id);
  return toStored(item);
}

/**
 * Concurrent transactions on the same items (two issues moving one counter, two payments on one
 * invoice) can cancel each other; the repository retries a few times, and a caller that re-reads
 * and re-checks can safely retry once more.
 */
export function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict')
  );
}
