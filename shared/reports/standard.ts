import type { Value } from '../warehouse/query.ts';
import type { Grain, ResolvedPeriod } from './period.ts';
import type { Query, Sql } from './sql.ts';

/**
 * The standard reports: each one SQL query on the facts (through the compiler, sql.ts) and a
 * shaping step that pivots, fills empty buckets and derives rates. Definitions and formulas are
 * written out in docs/analytics.md; a test checks them against numbers computed by hand.
 *
 * This catalogue describes them; each one's query and shaping live in standard/<id>.ts and load
 * on the first request for that report, so that a cold start loads one report, not all nine.
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

/** What a report computes: in a module of its own (standard/), loaded on the first request for it. */
export interface ReportImplementation {
  columns(input: ReportInput): ReportColumn[];
  /** Called on the whole report (its filters are the catalogue's). */
  compile(this: StandardReport, sql: Sql, input: ReportInput): Query;
  shape(rows: Row[], input: ReportInput): Row[];
}

/** What the catalogue says of a report without loading it: enough to declare its route and list it. */
export interface StandardReportEntry {
  id: string;
  title: string;
  description: string;
  filters: readonly FilterName[];
  /** Values of `by` (the grouping), the first being the default; none when the report has no choice. */
  by?: readonly string[];
  /** The grain when the query names none (a month unless said). */
  grain?: Grain;
  chart: ChartSpec;
  load(): Promise<ReportImplementation>;
}

export type StandardReport = Omit<StandardReportEntry, 'load'> & ReportImplementation;

export const AGING_BUCKETS = ['current', 'days1To30', 'days31To60', 'days61To90', 'over90'] as const;

export const STANDARD_REPORTS: readonly StandardReportEntry[] = [
  {
    id: 'sales-closed',
    title: 'Sales closed',
    description:
      'Deals won and lost per bucket, the close rate (won ÷ closed) and the revenue won (deal amounts, in the report currency).',
    filters: ['owner', 'team', 'pipeline', 'country', 'region', 'currency'],
    by: ['none', 'owner', 'team', 'pipeline'],
    chart: { type: 'bar', series: ['won', 'lost'] },
    load: async () => (await import('./standard/sales-closed.ts')).salesClosed,
  },
  {
    id: 'sales-by-region',
    title: 'Sales by region, country, product or category',
    description:
      'Booked (orders placed), invoiced (invoices issued) and paid (invoices paid in full) per bucket, net of tax, in the report currency, by the customer’s region or country at the time, or by product or category from the lines.',
    filters: ['owner', 'team', 'product', 'category', 'country', 'region', 'currency'],
    by: ['region', 'country', 'product', 'category'],
    chart: { type: 'bar', series: ['booked', 'invoiced', 'paid'] },
    load: async () => (await import('./standard/sales-by-region.ts')).salesByRegion,
  },
  {
    id: 'funnel',
    title: 'Funnel',
    description:
      'Per pipeline and bucket: the deals that reached each open stage and the won stage, the conversion from the stage before, and the median time deals spent in each stage before leaving it.',
    filters: ['pipeline', 'owner', 'team'],
    chart: { type: 'bar', series: ['reached'] },
    load: async () => (await import('./standard/funnel.ts')).funnel,
  },
  {
    id: 'activity',
    title: 'Activity per sales rep',
    description:
      'Per bucket (a week by default) and owner: calls by outcome, meetings, notes and emails logged, tasks done, and at the end of the bucket the open tasks and how many of them were overdue.',
    filters: ['owner', 'team'],
    grain: 'week',
    chart: { type: 'bar', series: ['calls', 'meetings', 'tasksDone'] },
    load: async () => (await import('./standard/activity.ts')).activity,
  },
  {
    id: 'email-marketing',
    title: 'Campaigns and newsletters',
    description:
      'Emails sent, delivered, bounced (hard and soft), complained about and unsubscribes through their links, per bucket or per mailing, with delivery, bounce, complaint and unsubscribe rates.',
    filters: ['kind'],
    by: ['period', 'mailing'],
    chart: { type: 'line', series: ['deliveryRate', 'bounceRate', 'complaintRate', 'unsubscribeRate'] },
    load: async () => (await import('./standard/email-marketing.ts')).emailMarketing,
  },
  {
    id: 'surveys',
    title: 'Survey trends',
    description:
      'NPS (percentage of promoters, 9 and 10, minus percentage of detractors, 0 to 6) and average CSAT (1 to 5) per bucket, per survey or per wave.',
    filters: ['survey', 'country', 'region'],
    by: ['period', 'survey', 'wave'],
    chart: { type: 'line', series: ['nps', 'csat'] },
    load: async () => (await import('./standard/surveys.ts')).surveys,
  },
  {
    id: 'receivables',
    title: 'Receivables',
    description:
      'At the end of each bucket: what customers owe by how late it is (not yet due, 1–30, 31–60, 61–90, over 90 days past due), the total, the invoices issued in the bucket, and days sales outstanding (receivables ÷ invoiced in the bucket × days in the bucket).',
    filters: ['country', 'region', 'currency'],
    chart: { type: 'bar', series: [...AGING_BUCKETS] },
    load: async () => (await import('./standard/receivables.ts')).receivables,
  },
  {
    id: 'dunning-outcomes',
    title: 'Paid after which dunning level',
    description:
      'Invoices paid in full in the period, by the last dunning level the customer received before paying ("none" when none): how many, how much, and the median days after the due date.',
    filters: ['country', 'region', 'currency'],
    chart: { type: 'bar', series: ['invoices'] },
    load: async () => (await import('./standard/dunning-outcomes.ts')).dunningOutcomes,
  },
  {
    id: 'case-sla',
    title: 'Case SLAs met and breached',
    description:
      "Targets of the contact centre's SLAs per bucket: met (the reply, or the first solution, came before the target) and breached (dated at the target's instant), per clock (first response, next response, resolution), and the share met (met ÷ (met + breached)).",
    filters: ['owner', 'team'],
    by: ['metric', 'none', 'priority', 'owner', 'team'],
    chart: { type: 'bar', series: ['met', 'breached'] },
    load: async () => (await import('./standard/case-sla.ts')).caseSla,
  },
];

/** A report's entry in the catalogue, without loading it. */
export function standardReportEntry(id: string): StandardReportEntry | undefined {
  return STANDARD_REPORTS.find((r) => r.id === id);
}

/** A report with what it computes, its module loaded. */
export async function standardReport(id: string): Promise<StandardReport | undefined> {
  const entry = standardReportEntry(id);
  if (!entry) return undefined;
  const { load: _, ...described } = entry;
  return { ...described, ...(await entry.load()) };
}
