import type { Value } from '../warehouse/query.ts';
import type { ResolvedPeriod } from './period.ts';
import type { Query, Sql } from './sql.ts';

/**
 * The standard reports: each one SQL query on the facts (through the compiler, sql.ts) and a
 * shaping step that pivots, fills empty buckets and derives rates. Definitions and formulas are
 * written out in docs/analytics.md; a test checks them against numbers computed by hand.
 */
export const FILTERS = [
  'owner',
  'team',
  'pipeline',
  'product',
  'category',
  'country',
  'region',
  'currency',
  'kind',
  'survey',
] as const;
export type FilterName = (typeof FILTERS)[number];
export type Filters = Partial<Record<FilterName, string>>;

/** Which facts column each filter constrains (product and category act on lines where there are). */
export const FILTER_COLUMNS: Record<FilterName, string> = {
  owner: 'owner_id',
  team: 'team',
  pipeline: 'pipeline_id',
  product: 'product_id',
  category: 'category',
  country: 'country',
  region: 'region',
  currency: 'currency',
  kind: 'mailing_kind',
  survey: 'survey_id',
};

export type Unit = 'count' | 'money' | 'ratio' | 'days' | 'score' | 'text' | 'date';

export interface ReportColumn {
  name: string;
  label: string;
  kind: 'period' | 'dimension' | 'measure';
  unit: Unit;
}

export type Row = Record<string, Value>;

export interface ReportInput {
  tenantId: string;
  period: ResolvedPeriod;
  filters: Filters;
  /** Money measures are of this currency (the filter's, else the tenant's). */
  currency: string;
  by?: string;
  now: Date;
}

export interface ChartSpec {
  type: 'line' | 'bar';
  /** The measures drawn, one series each (by the first dimension when the rows have one). */
  series: string[];
}

export interface StandardReport {
  id: string;
  title: string;
  description: string;
  filters: readonly FilterName[];
  /** Values of `by` (the grouping), the first being the default; none when the report has no choice. */
  by?: readonly string[];
  columns(input: ReportInput): ReportColumn[];
  compile(sql: Sql, input: ReportInput): Query;
  shape(rows: Row[], input: ReportInput): Row[];
  chart: ChartSpec;
}

const period: ReportColumn = { name: 'period', label: 'Period', kind: 'period', unit: 'date' };
const count = (name: string, label: string): ReportColumn => ({
  name,
  label,
  kind: 'measure',
  unit: 'count',
});
const money = (name: string, label: string): ReportColumn => ({
  name,
  label,
  kind: 'measure',
  unit: 'money',
});
const ratio = (name: string, label: string): ReportColumn => ({
  name,
  label,
  kind: 'measure',
  unit: 'ratio',
});
const dimension = (name: string, label: string, unit: Unit = 'text'): ReportColumn => ({
  name,
  label,
  kind: 'dimension',
  unit,
});

/** `a / b` rounded to 4 places, or null when there is nothing to divide by. */
export function rate(a: number, b: number): number | null {
  return b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null;
}

const num = (value: Value | undefined) => (typeof value === 'number' ? value : Number(value ?? 0) || 0);
const text = (value: Value | undefined) => (value === null || value === undefined ? null : String(value));

/** Conditions of the filters a part of a report honours. */
function whereOf(input: ReportInput, allowed: readonly FilterName[]) {
  return Object.entries(input.filters)
    .filter(([name, value]) => value !== undefined && allowed.includes(name as FilterName))
    .map(([name, value]) => ({ column: FILTER_COLUMNS[name as FilterName], value: value! }));
}

/** Every bucket of the period, for each group seen, with zeros where nothing happened. */
function fillBuckets(rows: Row[], input: ReportInput, groupKeys: string[], zero: Row): Row[] {
  const groups = new Map<string, Row>();
  for (const row of rows) {
    const key = JSON.stringify(groupKeys.map((k) => row[k] ?? null));
    if (!groups.has(key)) groups.set(key, Object.fromEntries(groupKeys.map((k) => [k, row[k] ?? null])));
  }
  if (groups.size === 0 && groupKeys.length === 0) groups.set('[]', {});
  const byKey = new Map(
    rows.map((r) => [JSON.stringify([r.period, ...groupKeys.map((k) => r[k] ?? null)]), r]),
  );
  const filled: Row[] = [];
  for (const bucket of input.period.buckets) {
    for (const group of groups.values()) {
      const key = JSON.stringify([bucket.start, ...groupKeys.map((k) => group[k] ?? null)]);
      filled.push({ ...zero, ...group, ...(byKey.get(key) ?? {}), period: bucket.start });
    }
  }
  return filled;
}

const salesClosed: StandardReport = {
  id: 'sales-closed',
  title: 'Sales closed',
  description:
    'Deals won and lost per bucket, the close rate (won ÷ closed) and the revenue won (deal amounts, in the report currency).',
  filters: ['owner', 'team', 'pipeline', 'country', 'region', 'currency'],
  by: ['none', 'owner', 'team', 'pipeline'],
  columns: (input) => [
    period,
    ...(input.by === 'owner' ? [dimension('ownerId', 'Owner')] : []),
    ...(input.by === 'team' ? [dimension('team', 'Team')] : []),
    ...(input.by === 'pipeline' ? [dimension('pipelineId', 'Pipeline')] : []),
    count('won', 'Won'),
    count('lost', 'Lost'),
    count('closed', 'Closed'),
    ratio('closeRate', 'Close rate'),
    money('revenueWon', 'Revenue won'),
  ],
  compile(sql, input) {
    const group = { owner: 'owner_id', team: 'team', pipeline: 'pipeline_id' }[input.by ?? ''];
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['DealWon', 'DealLost'],
      columns: ['owner_id', 'team', 'pipeline_id', 'amount', 'currency', 'country', 'region'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    const currency = sql.p(input.currency);
    return sql.query(
      `SELECT ${bucket} AS period, ${group ?? 'CAST(NULL AS VARCHAR)'} AS grp,
        sum(CASE WHEN event_type = 'DealWon' THEN 1 ELSE 0 END) AS won,
        sum(CASE WHEN event_type = 'DealLost' THEN 1 ELSE 0 END) AS lost,
        sum(CASE WHEN event_type = 'DealWon' AND currency = ${currency} THEN amount ELSE 0 END) AS revenue_won
      FROM (${facts}) AS f GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const key = { owner: 'ownerId', team: 'team', pipeline: 'pipelineId' }[input.by ?? ''];
    const shaped = rows.map((r) => ({
      period: text(r.period),
      ...(key ? { [key]: text(r.grp) } : {}),
      won: num(r.won),
      lost: num(r.lost),
      revenueWon: num(r.revenue_won),
    }));
    return fillBuckets(shaped, input, key ? [key] : [], { won: 0, lost: 0, revenueWon: 0 }).map((r) => ({
      ...r,
      closed: num(r.won) + num(r.lost),
      closeRate: rate(num(r.won), num(r.won) + num(r.lost)),
    }));
  },
  chart: { type: 'bar', series: ['won', 'lost'] },
};

const salesByRegion: StandardReport = {
  id: 'sales-by-region',
  title: 'Sales by region, country, product or category',
  description:
    'Booked (orders placed), invoiced (invoices issued) and paid (invoices paid in full) per bucket, net of tax, in the report currency, by the customer’s region or country at the time, or by product or category from the lines.',
  filters: ['owner', 'team', 'product', 'category', 'country', 'region', 'currency'],
  by: ['region', 'country', 'product', 'category'],
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
    const byLines = input.by === 'product' || input.by === 'category';
    const lineFilters = byLines ? (['product', 'category'] as const) : [];
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
        this.filters.filter((f) => !(lineFilters as readonly string[]).includes(f) && f !== 'currency'),
      ),
      also: [`currency = ${sql.p(input.currency)}`],
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    const measure = (type: string, value: string) =>
      `sum(CASE WHEN event_type = '${type}' THEN ${value} ELSE 0 END)`;
    if (!byLines) {
      const group = input.by === 'country' ? 'country' : 'region';
      const value = 'coalesce(net_amount, amount)';
      return sql.query(
        `SELECT ${bucket} AS period, coalesce(${group}, '') AS grp, ${measure('OrderPlaced', value)} AS booked, ${measure('InvoiceIssued', value)} AS invoiced, ${measure('InvoicePaid', value)} AS paid FROM (${facts}) AS f GROUP BY 1, 2`,
      );
    }
    const group = input.by === 'product' ? 'line_product' : 'line_category';
    const lineWhere = [
      ...(input.filters.product ? [`line_product = ${sql.p(input.filters.product)}`] : []),
      ...(input.filters.category ? [`line_category = ${sql.p(input.filters.category)}`] : []),
    ];
    const lines = sql.lines(`(${facts})`, [
      'event_type',
      'occurred_at',
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
  chart: { type: 'bar', series: ['booked', 'invoiced', 'paid'] },
};

const funnel: StandardReport = {
  id: 'funnel',
  title: 'Funnel',
  description:
    'Per pipeline and bucket: the deals that reached each open stage and the won stage, the conversion from the stage before, and the median time deals spent in each stage before leaving it.',
  filters: ['pipeline', 'owner', 'team'],
  columns: () => [
    period,
    dimension('pipelineId', 'Pipeline'),
    { name: 'position', label: 'Position', kind: 'dimension', unit: 'count' },
    dimension('stageId', 'Stage'),
    count('reached', 'Deals reaching the stage'),
    ratio('conversion', 'Conversion from the stage before'),
    count('exits', 'Deals leaving the stage'),
    { name: 'medianDaysInStage', label: 'Median days in stage', kind: 'measure', unit: 'days' },
  ],
  compile(sql, input) {
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['DealCreated', 'DealStageChanged'],
      columns: [
        'deal_id',
        'pipeline_id',
        'stage_id',
        'stage_position',
        'stage_outcome',
        'from_stage_id',
        'from_stage_position',
        'duration_seconds',
        'owner_id',
        'team',
      ],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    return sql.query(
      `WITH f AS (${facts}),
      reach AS (
        SELECT ${bucket} AS period, pipeline_id, deal_id,
          greatest(
            coalesce(max(CASE WHEN stage_outcome IN ('open', 'won') THEN stage_position END), 0),
            coalesce(max(from_stage_position), 0)) AS position
        FROM f GROUP BY 1, 2, 3),
      reached AS (SELECT period, pipeline_id, position, count(*) AS deals FROM reach GROUP BY 1, 2, 3),
      times AS (
        SELECT ${sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain)} AS period, pipeline_id, from_stage_position AS position,
          count(*) AS exits, ${sql.median('duration_seconds')} AS median_seconds
        FROM f WHERE event_type = 'DealStageChanged' AND from_stage_position IS NOT NULL GROUP BY 1, 2, 3)
      SELECT coalesce(r.period, t.period) AS period, coalesce(r.pipeline_id, t.pipeline_id) AS pipeline_id,
        coalesce(r.position, t.position) AS position, coalesce(r.deals, 0) AS deals, coalesce(t.exits, 0) AS exits,
        t.median_seconds AS median_seconds
      FROM reached AS r FULL OUTER JOIN times AS t
        ON r.period = t.period AND r.pipeline_id = t.pipeline_id AND r.position = t.position`,
    );
  },
  // Needs the pipelines' stages: the service calls shapeFunnel with them (reports.ts).
  shape: (rows) => rows,
  chart: { type: 'bar', series: ['reached'] },
};

export interface PipelineStages {
  id: string;
  stages: Array<{ id: string; outcome: string }>;
}

/**
 * The funnel from the SQL's histogram: a deal that reached position k has passed every open stage
 * before it; `reached(s)` counts the deals whose furthest position is at or after s. Lost stages
 * are not steps of the funnel (deals leave through them).
 */
export function shapeFunnel(rows: Row[], input: ReportInput, pipelines: PipelineStages[]): Row[] {
  const shaped: Row[] = [];
  const pipelineIds = [...new Set(rows.map((r) => String(r.pipeline_id)))].sort();
  for (const bucket of input.period.buckets) {
    for (const pipelineId of pipelineIds) {
      const pipeline = pipelines.find((p) => p.id === pipelineId);
      if (!pipeline) continue;
      const here = rows.filter((r) => r.period === bucket.start && r.pipeline_id === pipelineId);
      const steps = pipeline.stages
        .map((stage, i) => ({ stage, position: i + 1 }))
        .filter(({ stage }) => stage.outcome !== 'lost');
      let previous: number | undefined;
      for (const { stage, position } of steps) {
        const reached = here.filter((r) => num(r.position) >= position).reduce((n, r) => n + num(r.deals), 0);
        const at = here.find((r) => num(r.position) === position);
        const median = at?.median_seconds;
        shaped.push({
          period: bucket.start,
          pipelineId,
          position,
          stageId: stage.id,
          reached,
          conversion: previous === undefined ? null : rate(reached, previous),
          exits: num(at?.exits),
          medianDaysInStage:
            median === null || median === undefined ? null : Math.round((num(median) / 86_400) * 100) / 100,
        });
        previous = reached;
      }
    }
  }
  return shaped;
}

const CALL_OUTCOMES = ['connected', 'no_answer', 'voicemail', 'busy', 'wrong_number', 'scheduled'] as const;
const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const activity: StandardReport = {
  id: 'activity',
  title: 'Activity per sales rep',
  description:
    'Per bucket (a week by default) and owner: calls by outcome, meetings, notes and emails logged, tasks done, and at the end of the bucket the open tasks and how many of them were overdue.',
  filters: ['owner', 'team'],
  columns: () => [
    period,
    dimension('ownerId', 'Owner'),
    count('calls', 'Calls'),
    ...CALL_OUTCOMES.map((o) => count(camel(`calls_${o}`), `Calls: ${o.replace('_', ' ')}`)),
    count('meetings', 'Meetings'),
    count('notes', 'Notes'),
    count('emails', 'Emails'),
    count('tasksDone', 'Tasks done'),
    count('openTasks', 'Open tasks at the end'),
    count('overdueTasks', 'Overdue tasks at the end'),
  ],
  compile(sql, input) {
    const where = whereOf(input, this.filters);
    const tz = input.period.timeZone;
    const grain = input.period.grain;
    const activities = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['ActivityLogged'],
      columns: ['owner_id', 'team', 'activity_type', 'outcome'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where,
    });
    const done = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['TaskStatusChanged'],
      columns: ['owner_id', 'team', 'status'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where,
      also: [`status = 'done'`],
    });
    // Open tasks at each bucket end: tasks created within the year before the period and since.
    const history = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['TaskCreated', 'TaskStatusChanged', 'TaskRescheduled'],
      columns: ['task_id', 'owner_id', 'team', 'status', 'due_at'],
      from: new Date(input.period.startsAt.getTime() - 365 * 86_400_000),
      to: input.period.endsAt,
    });
    const callOutcomes = CALL_OUTCOMES.map(
      (o) => `sum(CASE WHEN activity_type = 'call' AND outcome = '${o}' THEN 1 ELSE 0 END) AS calls_${o}`,
    ).join(', ');
    const zeros = CALL_OUTCOMES.map((o) => `0 AS calls_${o}`).join(', ');
    const taskWhere = where.map((w) => `t.${sql.name(w.column)} = ${sql.p(w.value)}`);
    return sql.query(
      `WITH tasks AS (
        SELECT task_id,
          min(CASE WHEN event_type = 'TaskCreated' THEN occurred_at END) AS created_at,
          min(CASE WHEN event_type = 'TaskStatusChanged' AND status IN ('done', 'cancelled') THEN occurred_at END) AS closed_at,
          ${sql.argMax('due_at', 'CASE WHEN due_at IS NOT NULL THEN occurred_at END')} AS due_at,
          ${sql.argMax('owner_id', 'CASE WHEN owner_id IS NOT NULL THEN occurred_at END')} AS owner_id,
          ${sql.argMax('team', 'CASE WHEN team IS NOT NULL THEN occurred_at END')} AS team
        FROM (${history}) AS h GROUP BY task_id)
      SELECT ${sql.bucket(sql.local('occurred_at', tz), grain)} AS period, owner_id,
        sum(CASE WHEN activity_type = 'call' THEN 1 ELSE 0 END) AS calls, ${callOutcomes},
        sum(CASE WHEN activity_type = 'meeting' THEN 1 ELSE 0 END) AS meetings,
        sum(CASE WHEN activity_type = 'note' THEN 1 ELSE 0 END) AS notes,
        sum(CASE WHEN activity_type = 'email' THEN 1 ELSE 0 END) AS emails,
        0 AS tasks_done, 0 AS open_tasks, 0 AS overdue_tasks
      FROM (${activities}) AS a GROUP BY 1, 2
      UNION ALL
      SELECT ${sql.bucket(sql.local('occurred_at', tz), grain)} AS period, owner_id, 0, ${zeros}, 0, 0, 0,
        count(*) AS tasks_done, 0, 0
      FROM (${done}) AS d GROUP BY 1, 2
      UNION ALL
      SELECT b.period, t.owner_id, 0, ${zeros}, 0, 0, 0, 0,
        count(*) AS open_tasks, sum(CASE WHEN t.due_at < b.ends_at THEN 1 ELSE 0 END) AS overdue_tasks
      FROM ${sql.buckets(input.period, input.now, 'b')} JOIN tasks AS t
        ON t.created_at < b.ends_at AND (t.closed_at IS NULL OR t.closed_at >= b.ends_at)
      ${taskWhere.length ? `WHERE ${taskWhere.join(' AND ')}` : ''}
      GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const measures = [
      'calls',
      ...CALL_OUTCOMES.map((o) => `calls_${o}`),
      'meetings',
      'notes',
      'emails',
      'tasks_done',
      'open_tasks',
      'overdue_tasks',
    ];
    const merged = new Map<string, Row>();
    for (const row of rows) {
      const key = JSON.stringify([row.period, row.owner_id ?? null]);
      const target = merged.get(key) ?? { period: text(row.period), ownerId: text(row.owner_id) };
      for (const m of measures) target[camel(m)] = num(target[camel(m)]) + num(row[m]);
      merged.set(key, target);
    }
    return fillBuckets(
      [...merged.values()],
      input,
      ['ownerId'],
      Object.fromEntries(measures.map((m) => [camel(m), 0])),
    );
  },
  chart: { type: 'bar', series: ['calls', 'meetings', 'tasksDone'] },
};

const emailMarketing: StandardReport = {
  id: 'email-marketing',
  title: 'Campaigns and newsletters',
  description:
    'Emails sent, delivered, bounced (hard and soft), complained about and unsubscribes through their links, per bucket or per mailing, with delivery, bounce, complaint and unsubscribe rates.',
  filters: ['kind'],
  by: ['period', 'mailing'],
  columns: (input) => [
    ...(input.by === 'mailing' ? [dimension('mailingId', 'Mailing'), dimension('kind', 'Kind')] : [period]),
    count('sent', 'Sent'),
    count('delivered', 'Delivered'),
    count('bounced', 'Bounced'),
    count('softBounced', 'Soft bounces'),
    count('complained', 'Complaints'),
    count('unsubscribed', 'Unsubscribed'),
    ratio('deliveryRate', 'Delivery rate'),
    ratio('bounceRate', 'Bounce rate'),
    ratio('complaintRate', 'Complaint rate'),
    ratio('unsubscribeRate', 'Unsubscribe rate'),
  ],
  compile(sql, input) {
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['EmailSent', 'EmailDelivered', 'EmailBounced', 'EmailComplained', 'SubscriptionChanged'],
      columns: ['mailing_id', 'mailing_kind', 'outcome', 'status'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      also: ['mailing_id IS NOT NULL'],
    });
    const kinds = input.filters.kind
      ? `k.mailing_kind = ${sql.p(input.filters.kind)}`
      : `k.mailing_kind IN ('campaign', 'newsletter')`;
    const group =
      input.by === 'mailing'
        ? `f.mailing_id AS grp, k.mailing_kind AS kind`
        : `${sql.bucket(sql.local('f.occurred_at', input.period.timeZone), input.period.grain)} AS grp, CAST(NULL AS VARCHAR) AS kind`;
    return sql.query(
      `WITH f AS (${facts}),
      k AS (SELECT mailing_id, max(mailing_kind) AS mailing_kind FROM f WHERE mailing_kind IS NOT NULL GROUP BY mailing_id)
      SELECT ${group},
        sum(CASE WHEN f.event_type = 'EmailSent' THEN 1 ELSE 0 END) AS sent,
        sum(CASE WHEN f.event_type = 'EmailDelivered' THEN 1 ELSE 0 END) AS delivered,
        sum(CASE WHEN f.event_type = 'EmailBounced' AND f.outcome = 'bounced' THEN 1 ELSE 0 END) AS bounced,
        sum(CASE WHEN f.event_type = 'EmailBounced' AND f.outcome = 'soft_bounced' THEN 1 ELSE 0 END) AS soft_bounced,
        sum(CASE WHEN f.event_type = 'EmailComplained' THEN 1 ELSE 0 END) AS complained,
        sum(CASE WHEN f.event_type = 'SubscriptionChanged' AND f.status = 'unsubscribed' THEN 1 ELSE 0 END) AS unsubscribed
      FROM f JOIN k ON k.mailing_id = f.mailing_id
      WHERE ${kinds}
      GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const shaped = rows.map(
      (r): Row => ({
        ...(input.by === 'mailing'
          ? { mailingId: text(r.grp), kind: text(r.kind) }
          : { period: text(r.grp) }),
        sent: num(r.sent),
        delivered: num(r.delivered),
        bounced: num(r.bounced),
        softBounced: num(r.soft_bounced),
        complained: num(r.complained),
        unsubscribed: num(r.unsubscribed),
      }),
    );
    const rows2 =
      input.by === 'mailing'
        ? shaped.sort((a, b) => String(a.mailingId).localeCompare(String(b.mailingId)))
        : fillBuckets(shaped, input, [], {
            sent: 0,
            delivered: 0,
            bounced: 0,
            softBounced: 0,
            complained: 0,
            unsubscribed: 0,
          });
    return rows2.map((r) => ({
      ...r,
      deliveryRate: rate(num(r.delivered), num(r.sent)),
      bounceRate: rate(num(r.bounced) + num(r.softBounced), num(r.sent)),
      complaintRate: rate(num(r.complained), num(r.delivered)),
      unsubscribeRate: rate(num(r.unsubscribed), num(r.delivered)),
    }));
  },
  chart: { type: 'line', series: ['deliveryRate', 'bounceRate', 'complaintRate', 'unsubscribeRate'] },
};

const surveys: StandardReport = {
  id: 'surveys',
  title: 'Survey trends',
  description:
    'NPS (percentage of promoters, 9 and 10, minus percentage of detractors, 0 to 6) and average CSAT (1 to 5) per bucket, per survey or per wave.',
  filters: ['survey', 'country', 'region'],
  by: ['period', 'survey', 'wave'],
  columns: (input) => [
    ...(input.by === 'wave'
      ? [dimension('surveyId', 'Survey'), dimension('waveId', 'Wave')]
      : input.by === 'survey'
        ? [period, dimension('surveyId', 'Survey')]
        : [period]),
    count('responses', 'Responses'),
    count('promoters', 'Promoters'),
    count('passives', 'Passives'),
    count('detractors', 'Detractors'),
    { name: 'nps', label: 'NPS', kind: 'measure', unit: 'score' },
    count('csatResponses', 'CSAT answers'),
    { name: 'csat', label: 'Average CSAT', kind: 'measure', unit: 'score' },
  ],
  compile(sql, input) {
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['SurveyResponded'],
      columns: ['survey_id', 'wave_id', 'score', 'csat', 'country', 'region'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    const group =
      input.by === 'wave'
        ? `survey_id AS g1, coalesce(wave_id, '') AS g2`
        : input.by === 'survey'
          ? `${bucket} AS g1, survey_id AS g2`
          : `${bucket} AS g1, CAST(NULL AS VARCHAR) AS g2`;
    return sql.query(
      `SELECT ${group}, count(*) AS responses,
        sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS promoters,
        sum(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
        sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS detractors,
        sum(CASE WHEN csat IS NOT NULL THEN 1 ELSE 0 END) AS csat_responses,
        sum(coalesce(csat, 0)) AS csat_total
      FROM (${facts}) AS f GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const shaped = rows.map((r): Row => {
      const scored = num(r.promoters) + num(r.passives) + num(r.detractors);
      return {
        ...(input.by === 'wave'
          ? { surveyId: text(r.g1), waveId: text(r.g2) || null }
          : input.by === 'survey'
            ? { period: text(r.g1), surveyId: text(r.g2) }
            : { period: text(r.g1) }),
        responses: num(r.responses),
        promoters: num(r.promoters),
        passives: num(r.passives),
        detractors: num(r.detractors),
        nps: scored ? Math.round(((num(r.promoters) - num(r.detractors)) / scored) * 1000) / 10 : null,
        csatResponses: num(r.csat_responses),
        csat: num(r.csat_responses)
          ? Math.round((num(r.csat_total) / num(r.csat_responses)) * 100) / 100
          : null,
      };
    });
    if (input.by === 'wave')
      return shaped.sort((a, b) => `${a.surveyId}${a.waveId}`.localeCompare(`${b.surveyId}${b.waveId}`));
    return fillBuckets(shaped, input, input.by === 'survey' ? ['surveyId'] : [], {
      responses: 0,
      promoters: 0,
      passives: 0,
      detractors: 0,
      nps: null,
      csatResponses: 0,
      csat: null,
    });
  },
  chart: { type: 'line', series: ['nps', 'csat'] },
};

export const AGING_BUCKETS = ['current', 'days1To30', 'days31To60', 'days61To90', 'over90'] as const;

const receivables: StandardReport = {
  id: 'receivables',
  title: 'Receivables',
  description:
    'At the end of each bucket: what customers owe by how late it is (not yet due, 1–30, 31–60, 61–90, over 90 days past due), the total, the invoices issued in the bucket, and days sales outstanding (receivables ÷ invoiced in the bucket × days in the bucket).',
  filters: ['country', 'region', 'currency'],
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
  chart: { type: 'bar', series: [...AGING_BUCKETS] },
};

const dunningOutcomes: StandardReport = {
  id: 'dunning-outcomes',
  title: 'Paid after which dunning level',
  description:
    'Invoices paid in full in the period, by the last dunning level the customer received before paying ("none" when none): how many, how much, and the median days after the due date.',
  filters: ['country', 'region', 'currency'],
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
  chart: { type: 'bar', series: ['invoices'] },
};

/** The contact centre's clocks, in the order a case meets them (the `category` of SLA facts). */
export const SLA_METRICS = ['first_response', 'next_response', 'resolution'] as const;

const caseSla: StandardReport = {
  id: 'case-sla',
  title: 'Case SLAs met and breached',
  description:
    "Targets of the contact centre's SLAs per bucket: met (the reply, or the first solution, came before the target) and breached (dated at the target's instant), per clock (first response, next response, resolution), and the share met (met ÷ (met + breached)).",
  filters: ['owner', 'team'],
  by: ['metric', 'none', 'priority', 'owner', 'team'],
  columns: (input) => [
    period,
    ...(input.by === 'metric' ? [dimension('metric', 'Clock')] : []),
    ...(input.by === 'priority' ? [dimension('priority', 'Priority')] : []),
    ...(input.by === 'owner' ? [dimension('ownerId', 'Assignee')] : []),
    ...(input.by === 'team' ? [dimension('team', 'Team')] : []),
    count('met', 'Met'),
    count('breached', 'Breached'),
    ratio('metRate', 'Share met'),
  ],
  compile(sql, input) {
    const group = { metric: 'category', priority: 'level', owner: 'owner_id', team: 'team' }[input.by ?? ''];
    const facts = sql.facts({
      tenantId: input.tenantId,
      eventTypes: ['CaseSlaMet', 'CaseSlaBreached'],
      columns: ['category', 'level', 'owner_id', 'team'],
      from: input.period.startsAt,
      to: input.period.endsAt,
      where: whereOf(input, this.filters),
    });
    const bucket = sql.bucket(sql.local('occurred_at', input.period.timeZone), input.period.grain);
    return sql.query(
      `SELECT ${bucket} AS period, ${group ?? 'CAST(NULL AS VARCHAR)'} AS grp,
        sum(CASE WHEN event_type = 'CaseSlaMet' THEN 1 ELSE 0 END) AS met,
        sum(CASE WHEN event_type = 'CaseSlaBreached' THEN 1 ELSE 0 END) AS breached
      FROM (${facts}) AS f GROUP BY 1, 2`,
    );
  },
  shape(rows, input) {
    const by = input.by ?? 'none';
    const key = { metric: 'metric', priority: 'priority', owner: 'ownerId', team: 'team' }[by];
    const shaped = rows.map((r) => ({
      period: text(r.period),
      ...(key ? { [key]: text(r.grp) } : {}),
      met: num(r.met),
      breached: num(r.breached),
    }));
    // Every clock in every bucket, in the order a case meets them, so a quiet clock reads as zero.
    const clocks =
      by === 'metric'
        ? SLA_METRICS.map((metric) => ({
            period: input.period.buckets[0]?.start ?? null,
            metric,
            met: 0,
            breached: 0,
          }))
        : [];
    return fillBuckets([...clocks, ...shaped], input, key ? [key] : [], { met: 0, breached: 0 }).map((r) => ({
      ...r,
      metRate: rate(num(r.met), num(r.met) + num(r.breached)),
    }));
  },
  chart: { type: 'bar', series: ['met', 'breached'] },
};

export const STANDARD_REPORTS: readonly StandardReport[] = [
  salesClosed,
  salesByRegion,
  funnel,
  activity,
  emailMarketing,
  surveys,
  receivables,
  dunningOutcomes,
  caseSla,
];

export function standardReport(id: string): StandardReport | undefined {
  return STANDARD_REPORTS.find((r) => r.id === id);
}
