import { AGING_BUCKETS, type ReportImplementation } from '../standard.ts';
import { fillBuckets, money, num, period, text, whereOf } from './parts.ts';

/** The implementation of the receivables report; its description is in the catalogue (../standard.ts). */
export const receivables: ReportImplementation = {
  columns: () => [
    period,
    money('current', 'Not yet due'),
    money('days1To30', '1–30 days'),
    money('days31To60', '31–60 days'),
    money('days61To90', '61–90 days'),
    money('over90', 'Over 90 days'),
    money('receivable', 'Receivable'),
    money('invoiced', 'Invoiced in the bucket'),
    { name: 'dso', label: 'Days sales outstanding', kind: 'measure', unit: 'days' },
  ],
  compile(sql, input) {
    // Invoices issued within the two years before the period and since.
    const history = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['InvoiceIssued', 'PaymentRecorded', 'InvoiceVoided', 'InvoiceMarkedUncollectible'],
      columns: ['invoice_id', 'amount', 'currency', 'due_date', 'country', 'region'],
      from: new Date(input.period.startsAt.getTime() - 730 * 86_400_000),
      to: input.period.endsAt,
    });
    const placeFilters = whereOf(input, ['country', 'region']).map(
      (w) => `${sql.name(w.column)} = ${sql.p(w.value)}`,
    );
    const bucket = sql.bucket(sql.local('issued_at', input.period.timeZone), input.period.grain);
    const startsAt = sql.timestamp(input.period.startsAt);
    return sql.query(
      `WITH h AS (${history}),
      invoices AS (
        SELECT invoice_id,
          min(CASE WHEN event_type = 'InvoiceIssued' THEN occurred_at END) AS issued_at,
          max(CASE WHEN event_type = 'InvoiceIssued' THEN amount END) AS total,
          max(CASE WHEN event_type = 'InvoiceIssued' THEN due_date END) AS due_date,
          max(CASE WHEN event_type = 'InvoiceIssued' THEN currency END) AS currency,
          max(CASE WHEN event_type = 'InvoiceIssued' THEN country END) AS country,
          max(CASE WHEN event_type = 'InvoiceIssued' THEN region END) AS region,
          min(CASE WHEN event_type IN ('InvoiceVoided', 'InvoiceMarkedUncollectible') THEN occurred_at END) AS closed_at
        FROM h GROUP BY invoice_id),
      issued AS (
        SELECT * FROM invoices WHERE issued_at IS NOT NULL AND currency = ${sql.p(input.currency)}
        ${placeFilters.length ? `AND ${placeFilters.join(' AND ')}` : ''}),
      payments AS (SELECT invoice_id, occurred_at AS paid_at, amount FROM h WHERE event_type = 'PaymentRecorded'),
      owed AS (
        SELECT b.period, i.invoice_id, i.total - coalesce(sum(p.amount), 0) AS outstanding,
          ${sql.days('CAST(i.due_date AS DATE)', 'b.last_day')} AS days_late
        FROM ${sql.buckets(input.period, input.now, 'b')}
        JOIN issued AS i ON i.issued_at < b.ends_at AND (i.closed_at IS NULL OR i.closed_at >= b.ends_at)
        LEFT JOIN payments AS p ON p.invoice_id = i.invoice_id AND p.paid_at < b.ends_at
        GROUP BY b.period, i.invoice_id, i.total, i.due_date, b.last_day),
      aging AS (
        SELECT period,
          sum(CASE WHEN days_late <= 0 OR days_late IS NULL THEN outstanding ELSE 0 END) AS current_amount,
          sum(CASE WHEN days_late BETWEEN 1 AND 30 THEN outstanding ELSE 0 END) AS days_1_30,
          sum(CASE WHEN days_late BETWEEN 31 AND 60 THEN outstanding ELSE 0 END) AS days_31_60,
          sum(CASE WHEN days_late BETWEEN 61 AND 90 THEN outstanding ELSE 0 END) AS days_61_90,
          sum(CASE WHEN days_late > 90 THEN outstanding ELSE 0 END) AS over_90
        FROM owed WHERE outstanding > 0 GROUP BY period),
      sales AS (SELECT ${bucket} AS period, sum(total) AS invoiced FROM issued WHERE issued_at >= ${startsAt} GROUP BY 1)
      SELECT coalesce(a.period, s.period) AS period, a.current_amount, a.days_1_30, a.days_31_60, a.days_61_90, a.over_90,
        s.invoiced
      FROM aging AS a FULL OUTER JOIN sales AS s ON a.period = s.period`,
    );
  },
  shape(rows, input) {
    const shaped = rows.map((r) => ({
      period: text(r.period),
      current: num(r.current_amount),
      days1To30: num(r.days_1_30),
      days31To60: num(r.days_31_60),
      days61To90: num(r.days_61_90),
      over90: num(r.over_90),
      invoiced: num(r.invoiced),
    }));
    const days = new Map(
      input.period.buckets.map((b) => [b.start, (Date.parse(b.last) - Date.parse(b.start)) / 86_400_000 + 1]),
    );
    return fillBuckets(shaped, input, [], {
      current: 0,
      days1To30: 0,
      days31To60: 0,
      days61To90: 0,
      over90: 0,
      invoiced: 0,
    }).map((r) => {
      const receivable = AGING_BUCKETS.reduce((sum, b) => sum + num(r[b]), 0);
      const invoiced = num(r.invoiced);
      return {
        ...r,
        receivable,
        dso:
          invoiced > 0
            ? Math.round((receivable / invoiced) * (days.get(String(r.period)) ?? 0) * 10) / 10
            : null,
      };
    });
  },
};
