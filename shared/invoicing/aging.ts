import type { TenantContext } from '../platform/context.ts';
import { queryEach } from '../platform/db/repository.ts';
import { daysBetween, localDate } from '../platform/time.ts';
import { getTenant } from '../tenancy/records.ts';
import { invoiceKeys } from './keys.ts';
import { toStored } from './records.ts';
import type { AgingReport } from './schema.ts';

type Row = AgingReport['currencies'][number];

/**
 * Accounts receivable aging as of a date (today in the tenant's time zone by default): what is
 * still due on open and partially paid invoices, by days past due, per currency (amounts in
 * different currencies are never added up). Read from the sparse unpaid index, so its cost is the
 * number of unpaid invoices. Drafts, written-off (uncollectible) and void invoices are not receivables.
 */
export async function agingReport(ctx: TenantContext, asOf?: string): Promise<AgingReport> {
  const date = asOf ?? localDate(ctx.clock.now(), (await getTenant(ctx)).timeZone);
  const rows = new Map<string, Row>();
  for await (const item of queryEach(ctx, { index: 'GSI4', partition: invoiceKeys.unpaid(ctx.tenantId) })) {
    const invoice = toStored(item);
    let row = rows.get(invoice.currency);
    if (!row) {
      row = {
        currency: invoice.currency,
        current: 0,
        days1To30: 0,
        days31To60: 0,
        days61To90: 0,
        over90Days: 0,
        total: 0,
        invoiceCount: 0,
      };
      rows.set(invoice.currency, row);
    }
    const late = daysBetween(invoice.dueDate!, date);
    const bucket =
      late <= 0
        ? 'current'
        : late <= 30
          ? 'days1To30'
          : late <= 60
            ? 'days31To60'
            : late <= 90
              ? 'days61To90'
              : 'over90Days';
    row[bucket] += invoice.amountDue;
    row.total += invoice.amountDue;
    row.invoiceCount++;
  }
  return { asOf: date, currencies: [...rows.values()].sort((a, b) => a.currency.localeCompare(b.currency)) };
}
