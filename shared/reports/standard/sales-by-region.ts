import type { ReportImplementation } from '../standard.ts';
import { dimension, fillBuckets, money, num, period, text, whereOf } from './parts.ts';

/** The implementation of the sales-by-region report; its description is in the catalogue (../standard.ts). */
export const salesByRegion: ReportImplementation = {
  columns: (input) => [
    period,
    {
      region: dimension('region', 'Region'),
      country: dimension('country', 'Country'),
      product: dimension('productId', 'Product'),
      category: dimension('category', 'Category'),
    }[input.by ?? 'region']!,
    money('booked', 'Booked'),
    money('invoiced', 'Invoiced'),
    money('paid', 'Paid'),
  ],
  compile(sql, input) {
    // Lines carry the products: grouped by product or category, or filtered on one, the amounts
    // are those of the matching lines; otherwise those of the whole order or invoice.
    const onLines =
      input.by === 'product' ||
      input.by === 'category' ||
      input.filters.product !== undefined ||
      input.filters.category !== undefined;
    const lineFilters = ['product', 'category'];
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['OrderPlaced', 'InvoiceIssued', 'InvoicePaid'],
      columns: [
        'owner_id',
        'team',
        'country',
        'region',
        'currency',
        'amount',
        'net_amount',
        'line_product_ids',
        'line_categories',
        'line_quantities',
        'line_amounts',
      ],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(
        input,
        this.filters.filter((f) => !lineFilters.includes(f) && f !== 'currency'),
      ),
      also: [`currency = ${sql.p(input.currency)}`],
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    const measure = (type: string, value: string) =>
      `sum(CASE WHEN event_type = '${type}' THEN ${value} ELSE 0 END)`;
    const group = {
      region: 'region',
      country: 'country',
      product: 'line_product',
      category: 'line_category',
    }[input.by ?? 'region']!;
    if (!onLines) {
      const value = 'coalesce(net_amount, amount)';
      return sql.query(
        `SELECT ${bucket} AS period, coalesce(${group}, '') AS grp, ${measure('OrderPlaced', value)} AS booked, ${measure('InvoiceIssued', value)} AS invoiced, ${measure('InvoicePaid', value)} AS paid FROM (${facts}) AS f GROUP BY 1, 2`,
      );
    }
    const lineWhere = [
      ...(input.filters.product ? [`line_product = ${sql.p(input.filters.product)}`] : []),
      ...(input.filters.category ? [`line_category = ${sql.p(input.filters.category)}`] : []),
    ];
    const lines = sql.lines(`(${facts})`, [
      'event_type',
      'occurred_at',
      'country',
      'region',
      'line_product_ids',
      'line_categories',
      'line_quantities',
      'line_amounts',
    ]);
    return sql.query(
      `SELECT ${bucket} AS period, coalesce(${group}, '') AS grp, ${measure('OrderPlaced', 'line_amount')} AS booked, ${measure('InvoiceIssued', 'line_amount')} AS invoiced, ${measure('InvoicePaid', 'line_amount')} AS paid FROM ${lines}${lineWhere.length ? ` WHERE ${lineWhere.join(' AND ')}` : ''} GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const key = { region: 'region', country: 'country', product: 'productId', category: 'category' }[
      input.by ?? 'region'
    ]!;
    const shaped = rows.map((r) => ({
      period: text(r.period),
      [key]: text(r.grp) || null,
      booked: num(r.booked),
      invoiced: num(r.invoiced),
      paid: num(r.paid),
    }));
    return fillBuckets(shaped, input, [key], { booked: 0, invoiced: 0, paid: 0 });
  },
};
