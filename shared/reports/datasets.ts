import { ValidationError } from '../platform/errors.ts';
import type { ResolvedPeriod } from './period.ts';
import type { DATASET_IDS } from './schema.ts';
import type { Query, Sql } from './sql.ts';
import type { ReportColumn, Unit } from './standard.ts';

/**
 * What custom reports are made of: datasets (families of facts), each with the measures and
 * dimensions that make sense on it. A definition names them; the compiler turns the names into
 * SQL it writes itself, so a definition can only choose among these, never add text.
 */
export type DatasetId = (typeof DATASET_IDS)[number];

interface Measure {
  label: string;
  unit: Unit;
  /** SQL over the dataset's rows (`currency` is the bound currency parameter for money). */
  sql: (currency: string) => string;
}

interface Dimension {
  label: string;
  /** The column (of facts, or of lines for line datasets) it groups and filters by. */
  column: string;
  /** The column name in result rows (labels attach to ownerId, productId...). */
  as: string;
}

export interface Dataset {
  id: DatasetId;
  description: string;
  eventTypes: readonly string[];
  /** One row per order or invoice line rather than per event. */
  lines?: boolean;
  measures: Record<string, Measure>;
  dimensions: Record<string, Dimension>;
}

const count: Measure = { label: 'Events', unit: 'count', sql: () => 'count(*)' };
const distinct = (column: string, label: string): Measure => ({
  label,
  unit: 'count',
  sql: () => `count(DISTINCT ${column})`,
});
const sumOf = (column: string, label: string, unit: Unit = 'count'): Measure => ({
  label,
  unit,
  sql: () => `coalesce(sum(${column}), 0)`,
});
const moneyOf = (expression: string, label: string): Measure => ({
  label,
  unit: 'money',
  sql: (currency) => `coalesce(sum(CASE WHEN currency = ${currency} THEN ${expression} END), 0)`,
});
const countOf = (type: string, label: string): Measure => ({
  label,
  unit: 'count',
  sql: () => `sum(CASE WHEN event_type = '${type}' THEN 1 ELSE 0 END)`,
});
const dim = (
  column: string,
  label: string,
  as = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
) => ({
  column,
  label,
  as,
});

const event = dim('event_type', 'Event', 'event');
const owner = dim('owner_id', 'Owner', 'ownerId');
const team = dim('team', 'Team');
const country = dim('country', 'Country');
const region = dim('region', 'Region');
const currency = dim('currency', 'Currency');

export const DATASETS: Record<DatasetId, Dataset> = {
  deals: {
    id: 'deals',
    description: 'Deals created, moved between stages, won and lost.',
    eventTypes: ['DealCreated', 'DealStageChanged', 'DealWon', 'DealLost'],
    measures: {
      events: count,
      deals: distinct('deal_id', 'Deals'),
      created: countOf('DealCreated', 'Created'),
      won: countOf('DealWon', 'Won'),
      lost: countOf('DealLost', 'Lost'),
      amount: moneyOf('amount', 'Amount'),
      revenue_won: moneyOf(`CASE WHEN event_type = 'DealWon' THEN amount END`, 'Revenue won'),
      days_in_stage: {
        label: 'Average days in the stage left',
        unit: 'days',
        sql: () => 'round(avg(duration_seconds) / 86400.0, 2)',
      },
    },
    dimensions: {
      event,
      owner,
      team,
      pipeline: dim('pipeline_id', 'Pipeline', 'pipelineId'),
      stage: dim('stage_id', 'Stage', 'stageId'),
      status: dim('status', 'Status'),
      country,
      region,
      currency,
    },
  },
  orders: {
    id: 'orders',
    description: 'Orders placed, fulfilled, cancelled and returned.',
    eventTypes: ['OrderPlaced', 'OrderFulfilled', 'OrderCancelled', 'OrderReturned', 'OrderInvoiced'],
    measures: {
      events: count,
      orders: countOf('OrderPlaced', 'Orders placed'),
      customers: distinct('contact_id', 'Customers'),
      booked: moneyOf(
        `CASE WHEN event_type = 'OrderPlaced' THEN coalesce(net_amount, amount) END`,
        'Booked (net)',
      ),
    },
    dimensions: { event, owner, team, country, region, currency },
  },
  order_lines: {
    id: 'order_lines',
    description: 'The lines of orders placed: products, categories, quantities and net amounts.',
    eventTypes: ['OrderPlaced'],
    lines: true,
    measures: {
      lines: { label: 'Lines', unit: 'count', sql: () => 'count(*)' },
      orders: distinct('order_id', 'Orders'),
      quantity: sumOf('line_quantity', 'Quantity'),
      amount: moneyOf('line_amount', 'Amount (net)'),
    },
    dimensions: {
      product: dim('line_product', 'Product', 'productId'),
      category: dim('line_category', 'Category', 'category'),
      owner,
      team,
      country,
      region,
      currency,
    },
  },
  invoices: {
    id: 'invoices',
    description: 'Invoices issued, overdue, paid, voided and written off, and dunning notices.',
    eventTypes: [
      'InvoiceIssued',
      'InvoiceOverdue',
      'InvoicePaid',
      'InvoiceVoided',
      'InvoiceMarkedUncollectible',
      'DunningNoticeSent',
    ],
    measures: {
      events: count,
      invoices: distinct('invoice_id', 'Invoices'),
      issued: moneyOf(`CASE WHEN event_type = 'InvoiceIssued' THEN amount END`, 'Issued (gross)'),
      paid: moneyOf(`CASE WHEN event_type = 'InvoicePaid' THEN amount END`, 'Paid (gross)'),
    },
    dimensions: { event, level: dim('level', 'Dunning level'), country, region, currency },
  },
  payments: {
    id: 'payments',
    description: 'Payments recorded against invoices.',
    eventTypes: ['PaymentRecorded'],
    measures: {
      payments: count,
      amount: moneyOf('amount', 'Amount'),
      invoices: distinct('invoice_id', 'Invoices'),
    },
    dimensions: {
      method: dim('channel', 'Method'),
      status: dim('status', 'Invoice status after'),
      country,
      region,
      currency,
    },
  },
  quotes: {
    id: 'quotes',
    description: 'Requests for quotation and quotes drafted, sent, accepted, rejected and expired.',
    eventTypes: [
      'QuoteRequested',
      'QuoteDrafted',
      'QuoteSent',
      'QuoteAccepted',
      'QuoteRejected',
      'QuoteExpired',
    ],
    measures: {
      events: count,
      quotes: distinct('quote_id', 'Quotes'),
      requested: countOf('QuoteRequested', 'Requested'),
      accepted: countOf('QuoteAccepted', 'Accepted'),
      accepted_amount: moneyOf(`CASE WHEN event_type = 'QuoteAccepted' THEN amount END`, 'Accepted amount'),
    },
    dimensions: { event, owner, team, country, region },
  },
  leads: {
    id: 'leads',
    description: 'Leads received, assigned, moved between statuses and converted.',
    eventTypes: ['LeadReceived', 'LeadAssigned', 'LeadStatusChanged', 'LeadConverted'],
    measures: {
      events: count,
      leads: distinct('lead_id', 'Leads'),
      received: countOf('LeadReceived', 'Received'),
      converted: countOf('LeadConverted', 'Converted'),
    },
    dimensions: {
      event,
      owner,
      team,
      source: dim('origin', 'Source'),
      status: dim('status', 'Status'),
      region,
    },
  },
  activities: {
    id: 'activities',
    description: 'Calls, meetings, notes and emails logged.',
    eventTypes: ['ActivityLogged'],
    measures: { activities: count },
    dimensions: { type: dim('activity_type', 'Type'), outcome: dim('outcome', 'Call outcome'), owner, team },
  },
  tasks: {
    id: 'tasks',
    description: 'Tasks created and moved between statuses.',
    eventTypes: ['TaskCreated', 'TaskStatusChanged'],
    measures: {
      events: count,
      tasks: distinct('task_id', 'Tasks'),
      created: countOf('TaskCreated', 'Created'),
      done: {
        label: 'Done',
        unit: 'count',
        sql: () => `sum(CASE WHEN event_type = 'TaskStatusChanged' AND status = 'done' THEN 1 ELSE 0 END)`,
      },
    },
    dimensions: { event, status: dim('status', 'Status'), source: dim('origin', 'Source'), owner, team },
  },
  email: {
    id: 'email',
    description: 'Emails sent, delivered, bounced, complained about, opened and clicked, and unsubscribes.',
    eventTypes: [
      'EmailSent',
      'EmailDelivered',
      'EmailBounced',
      'EmailComplained',
      'EmailOpened',
      'EmailClicked',
      'SubscriptionChanged',
    ],
    measures: { events: count, recipients: distinct('contact_id', 'Recipients') },
    dimensions: {
      outcome: dim('outcome', 'Outcome'),
      status: dim('status', 'Subscription status'),
      mailing: dim('mailing_id', 'Mailing', 'mailingId'),
      kind: dim('mailing_kind', 'Kind', 'kind'),
      event,
    },
  },
  surveys: {
    id: 'surveys',
    description: 'Survey responses with their NPS and CSAT scores.',
    eventTypes: ['SurveyResponded'],
    measures: {
      responses: count,
      nps: {
        label: 'NPS',
        unit: 'score',
        sql: () =>
          `round(100.0 * (sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) - sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)) / nullif(count(score), 0), 1)`,
      },
      csat: { label: 'Average CSAT', unit: 'score', sql: () => 'round(avg(csat), 2)' },
    },
    dimensions: {
      survey: dim('survey_id', 'Survey', 'surveyId'),
      wave: dim('wave_id', 'Wave', 'waveId'),
      channel: dim('channel', 'Channel'),
      country,
      region,
    },
  },
  contacts: {
    id: 'contacts',
    description: 'Contacts created and changed (which fields, never their values).',
    eventTypes: ['ContactCreated', 'ContactUpdated'],
    measures: { events: count, contacts: distinct('contact_id', 'Contacts') },
    dimensions: {
      event,
      lifecycle_stage: dim('lifecycle_stage', 'Lifecycle stage', 'lifecycleStage'),
      owner,
      country,
      region,
      field: dim('field', 'Field changed'),
    },
  },
};

export interface CustomDefinition {
  name: string;
  dataset: DatasetId;
  measures: string[];
  dimensions: string[];
  filters: Array<{ dimension: string; op: 'in' | 'not_in'; values: string[] }>;
  grain?: ResolvedPeriod['grain'] | undefined;
  sort: Array<{ by: string; direction: 'asc' | 'desc' }>;
  limit: number;
}

/** Every name of the definition exists in its dataset; otherwise a 400 naming each unknown one. */
export function checkDefinition(definition: CustomDefinition, path = 'body'): Dataset {
  const dataset = DATASETS[definition.dataset];
  const issues: Array<{ path: string; message: string }> = [];
  const known = (kind: 'measure' | 'dimension', names: Record<string, unknown>) =>
    `Known ${kind}s of ${dataset.id}: ${Object.keys(names).join(', ')}`;
  definition.measures.forEach((m, i) => {
    if (!dataset.measures[m])
      issues.push({
        path: `${path}.measures.${i}`,
        message: `Unknown measure ${m}. ${known('measure', dataset.measures)}.`,
      });
  });
  definition.dimensions.forEach((d, i) => {
    if (!dataset.dimensions[d])
      issues.push({
        path: `${path}.dimensions.${i}`,
        message: `Unknown dimension ${d}. ${known('dimension', dataset.dimensions)}.`,
      });
  });
  definition.filters.forEach((f, i) => {
    if (!dataset.dimensions[f.dimension])
      issues.push({
        path: `${path}.filters.${i}.dimension`,
        message: `Unknown filter ${f.dimension}. ${known('dimension', dataset.dimensions)}.`,
      });
  });
  const sortable = new Set([
    ...definition.measures,
    ...definition.dimensions,
    ...(definition.grain ? ['period'] : []),
  ]);
  definition.sort.forEach((s, i) => {
    if (!sortable.has(s.by))
      issues.push({
        path: `${path}.sort.${i}.by`,
        message: `Cannot sort by ${s.by}: sort by a chosen measure or dimension${definition.grain ? ', or period' : ''}.`,
      });
  });
  if (new Set(definition.dimensions).size !== definition.dimensions.length)
    issues.push({ path: `${path}.dimensions`, message: 'A dimension is named twice.' });
  if (issues.length) throw new ValidationError(issues, issues[0]!.message);
  return dataset;
}

export function customColumns(definition: CustomDefinition, dataset: Dataset): ReportColumn[] {
  return [
    ...(definition.grain
      ? [{ name: 'period', label: 'Period', kind: 'period' as const, unit: 'date' as const }]
      : []),
    ...definition.dimensions.map((d) => ({
      name: dataset.dimensions[d]!.as,
      label: dataset.dimensions[d]!.label,
      kind: 'dimension' as const,
      unit: 'text' as const,
    })),
    ...definition.measures.map((m) => ({
      name: m,
      label: dataset.measures[m]!.label,
      kind: 'measure' as const,
      unit: dataset.measures[m]!.unit,
    })),
  ];
}

const FACT_COLUMNS_USED = [
  'owner_id',
  'team',
  'pipeline_id',
  'stage_id',
  'status',
  'country',
  'region',
  'currency',
  'amount',
  'net_amount',
  'deal_id',
  'order_id',
  'invoice_id',
  'quote_id',
  'lead_id',
  'task_id',
  'contact_id',
  'duration_seconds',
  'level',
  'channel',
  'origin',
  'activity_type',
  'outcome',
  'mailing_id',
  'mailing_kind',
  'survey_id',
  'wave_id',
  'score',
  'csat',
  'lifecycle_stage',
] as const;

/** The SQL of a custom report: its dataset's facts, grouped, filtered, sorted and limited. */
export function compileCustom(
  sql: Sql,
  definition: CustomDefinition,
  scope: { tenantId: string; period: ResolvedPeriod; currency: string },
): Query {
  const dataset = checkDefinition(definition);
  // Grouped by field, an event counts once under each field it changed; filtered on fields only,
  // it counts once, if its list holds (or does not hold) the names.
  const expandsFields = definition.dimensions.includes('field');
  const readsFields = expandsFields || definition.filters.some((f) => f.dimension === 'field');
  const columns = [
    ...FACT_COLUMNS_USED,
    ...(dataset.lines
      ? (['line_product_ids', 'line_categories', 'line_quantities', 'line_amounts'] as const)
      : []),
    ...(readsFields ? (['fields'] as const) : []),
  ];
  const facts = sql.facts({
    tenantId: scope.tenantId,
    eventTypes: dataset.eventTypes,
    columns,
    from: scope.period.startsAt,
    to: scope.period.endsAt,
  });
  let source = `(${facts}) AS f`;
  const kept = [
    'event_id',
    'event_type',
    'occurred_at',
    ...FACT_COLUMNS_USED,
    ...(readsFields ? ['fields'] : []),
  ];
  if (dataset.lines) source = sql.lines(`(${facts})`, kept);
  else if (expandsFields) source = sql.unnestFields(`(${facts})`, kept);
  const currency = sql.p(scope.currency);
  const selects: string[] = [];
  const groups: string[] = [];
  if (definition.grain) {
    selects.push(
      `${sql.bucket(sql.local('occurred_at', scope.period.timeZone), definition.grain)} AS period`,
    );
    groups.push('period');
  }
  for (const name of definition.dimensions) {
    const dimension = dataset.dimensions[name]!;
    selects.push(`${dimension.column} AS ${sql.name(snake(dimension.as))}`);
    groups.push(sql.name(snake(dimension.as)));
  }
  for (const name of definition.measures)
    selects.push(`${dataset.measures[name]!.sql(currency)} AS ${sql.name(name)}`);
  const where = definition.filters.map((f) => {
    if (f.dimension === 'field' && !expandsFields) {
      const holds = sql.holdsAny('fields', f.values);
      return f.op === 'in' ? `coalesce(${holds}, false)` : `NOT coalesce(${holds}, false)`;
    }
    const column = dataset.dimensions[f.dimension]!.column;
    const list = f.values.map((v) => sql.p(v)).join(', ');
    return f.op === 'in' ? `${column} IN (${list})` : `(${column} IS NULL OR ${column} NOT IN (${list}))`;
  });
  const order = definition.sort.map((s) => {
    const target = definition.dimensions.includes(s.by) ? snake(dataset.dimensions[s.by]!.as) : s.by;
    return `${sql.name(target)} ${s.direction === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`;
  });
  if (definition.grain && !definition.sort.some((s) => s.by === 'period')) order.push('"period" ASC');
  return sql.query(
    `SELECT ${selects.join(', ')} FROM ${source}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${
      groups.length ? ` GROUP BY ${groups.join(', ')}` : ''
    }${order.length ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ${Math.trunc(definition.limit)}`,
  );
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Result rows back to the column names of the definition (camelCase dimension names). */
export function customRows(
  definition: CustomDefinition,
  dataset: Dataset,
  rows: Array<Record<string, unknown>>,
) {
  return rows.map((row) => {
    const shaped: Record<string, string | number | null> = {};
    if (definition.grain) shaped.period = row.period === null ? null : String(row.period);
    for (const name of definition.dimensions) {
      const as = dataset.dimensions[name]!.as;
      const value = row[snake(as)];
      shaped[as] = value === null || value === undefined ? null : String(value);
    }
    for (const name of definition.measures) {
      const value = row[name];
      shaped[name] = value === null || value === undefined ? null : Number(value);
    }
    return shaped;
  });
}
