import type { ReportImplementation } from '../standard.ts';
import { count, dimension, money, num, text, whereOf } from './parts.ts';

/** The implementation of the dunning-outcomes report; its description is in the catalogue (../standard.ts). */
export const dunningOutcomes: ReportImplementation = {
  columns: () => [
    dimension('level', 'Last dunning level'),
    count('invoices', 'Invoices paid'),
    money('amount', 'Amount paid'),
    { name: 'medianDaysLate', label: 'Median days after due date', kind: 'measure', unit: 'days' },
  ],
  compile(sql, input) {
    const paid = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['InvoicePaid'],
      columns: ['invoice_id', 'amount', 'currency', 'country', 'region'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, ['country', 'region']),
      also: [`currency = ${sql.p(input.currency)}`],
    });
    // Notices and due dates from the facts of the year (two, for due dates) before the period.
    const notices = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['DunningNoticeSent'],
      columns: ['invoice_id', 'level', 'days', 'channel'],
      from: new Date(input.period.startsAt.getTime() - 365 * 86_400_000),
      to: input.period.endsAt,
      also: [`channel = 'customer'`],
    });
    const issued = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['InvoiceIssued'],
      columns: ['invoice_id', 'due_date'],
      from: new Date(input.period.startsAt.getTime() - 730 * 86_400_000),
      to: input.period.endsAt,
    });
    const paidDay = sql.localDay(sql.local('p.occurred_at', input.period.timeZone));
    return sql.query(
      `WITH p AS (${paid}), n AS (${notices}), i AS (SELECT invoice_id, max(due_date) AS due_date FROM (${issued}) AS issued GROUP BY invoice_id),
      last AS (
        SELECT p.invoice_id, p.amount, ${sql.days('CAST(max(i.due_date) AS DATE)', paidDay)} AS days_late,
          ${sql.argMax('n.level', 'n.days')} AS level, max(n.days) AS level_days
        FROM p LEFT JOIN n ON n.invoice_id = p.invoice_id AND n.occurred_at <= p.occurred_at
        LEFT JOIN i ON i.invoice_id = p.invoice_id
        GROUP BY p.invoice_id, p.amount, p.occurred_at)
      SELECT coalesce(level, 'none') AS level, min(level_days) AS level_days, count(*) AS invoices, sum(amount) AS amount,
        ${sql.median('days_late')} AS median_days_late
      FROM last GROUP BY 1`,
    );
  },
  shape: (rows) =>
    rows
      .map((r) => ({
        level: text(r.level),
        order: r.level === 'none' ? -1 : num(r.level_days),
        invoices: num(r.invoices),
        amount: num(r.amount),
        medianDaysLate: r.median_days_late === null ? null : num(r.median_days_late),
      }))
      .sort((a, b) => a.order - b.order)
      .map(({ order: _, ...r }) => r),
};
