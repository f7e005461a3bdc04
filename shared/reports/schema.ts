import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Currency, Id, IsoDate, IsoDateTime, LocalDateTime, NonEmpty, named } from '../platform/schema.ts';
import { GRAINS } from './period.ts';
import type { FilterName, StandardReportEntry } from './standard.ts';

/** Query parameters every report takes; each report adds the filters and groupings that fit it. */
const periodFields = {
  /** First local day of the period (tenant's time zone); by default eleven months before `to`'s month. */
  from: lazy(() => z.optional(IsoDate)),
  /** Last local day, included; by default today. */
  to: lazy(() => z.optional(IsoDate)),
  grain: lazy(() => z.optional(z.enum(GRAINS))),
  /** `previous`: the same report for the period just before, as many buckets long. */
  compare: lazy(() => z.optional(z.enum(['previous']))),
};

const Country = lazy(() =>
  z.string().check(z.regex(/^[A-Z]{2}$/, { message: 'Must be an ISO 3166-1 alpha-2 code such as FR.' })),
);
const Label = NonEmpty(100);

export const FILTER_SCHEMAS: Record<FilterName, z.ZodMiniType<string>> = {
  owner: Id,
  team: Label,
  pipeline: Id,
  product: Id,
  category: Label,
  country: Country,
  region: Label,
  currency: Currency,
  kind: lazy(() => z.enum(['campaign', 'newsletter', 'survey'])),
  survey: Id,
};

/** The query a standard report accepts; the strict input layer refuses unknown parameters, naming them. */
export function reportQuery(report: Pick<StandardReportEntry, 'filters' | 'by'>) {
  return z.object({
    ...periodFields,
    ...(report.by ? { by: z.optional(z.enum(report.by as [string, ...string[]])) } : {}),
    ...Object.fromEntries(report.filters.map((f) => [f, z.optional(FILTER_SCHEMAS[f])])),
  });
}

export type ReportQuery = {
  from?: string | undefined;
  to?: string | undefined;
  grain?: (typeof GRAINS)[number] | undefined;
  compare?: 'previous' | undefined;
  by?: string | undefined;
} & Partial<Record<FilterName, string | undefined>>;

const Cell = lazy(() => z.union([z.string(), z.number(), z.null(), z.array(z.string())]));
const Rows = lazy(() => z.array(z.record(z.string(), Cell)));
const ReportPeriod = lazy(() =>
  z.object({
    from: IsoDate,
    to: IsoDate,
    grain: z.enum(GRAINS),
    timeZone: z.string(),
  }),
);

export const ReportResult = named(
  'ReportResult',
  lazy(() =>
    z.object({
      report: z.string(),
      title: z.string(),
      period: ReportPeriod,
      /** Money is in minor units of this currency. */
      currency: z.string(),
      by: z.optional(z.string()),
      filters: z.record(z.string(), z.string()),
      columns: z.array(
        z.object({
          name: z.string(),
          label: z.string(),
          kind: z.enum(['period', 'dimension', 'measure']),
          unit: z.enum(['count', 'money', 'ratio', 'days', 'score', 'text', 'date']),
        }),
      ),
      rows: Rows,
      /** Names of the ids in `rows` (members, pipelines, stages, products...), by column. */
      labels: z.record(z.string(), z.record(z.string(), z.string())),
      previous: z.optional(z.object({ period: ReportPeriod, rows: Rows })),
      /** The warehouse's facts version the result was computed from (GET /v1/warehouse/status). */
      factsVersion: z.int(),
      computedAt: IsoDateTime,
    }),
  ),
  'A report: one row per bucket (and group), measures as columns.',
);
export type ReportResult = z.infer<typeof ReportResult>;

export const ReportRunPending = named(
  'ReportRunPending',
  lazy(() =>
    z.object({
      runId: Id,
      status: z.literal('running'),
      /** Where to ask again (GET); it answers 202 until the result is there, then the result. */
      location: z.string(),
    }),
  ),
  'The report is still being computed.',
);

export const ReportAnswer = lazy(() => z.union([ReportResult, ReportRunPending]));

export const ReportList = named(
  'ReportList',
  lazy(() =>
    z.object({
      items: z.array(
        z.object({
          id: z.string(),
          title: z.string(),
          description: z.string(),
          path: z.string(),
          filters: z.array(z.string()),
          by: z.optional(z.array(z.string())),
        }),
      ),
    }),
  ),
);

export const DATASET_IDS = [
  'deals',
  'orders',
  'order_lines',
  'invoices',
  'payments',
  'quotes',
  'leads',
  'activities',
  'tasks',
  'email',
  'surveys',
  'contacts',
] as const;

const CustomFilter = lazy(() =>
  z.object({
    dimension: NonEmpty(40),
    /** `in` (any of the values) or `not_in`. */
    op: z._default(z.enum(['in', 'not_in']), 'in'),
    values: z.array(z.string().check(z.maxLength(200))).check(z.minLength(1), z.maxLength(50)),
  }),
);

const definitionFields = {
  name: NonEmpty(200),
  description: lazy(() => z.optional(z.string().check(z.maxLength(2000)))),
  dataset: lazy(() => z.enum(DATASET_IDS)),
  measures: lazy(() => z.array(NonEmpty(40)).check(z.minLength(1), z.maxLength(10))),
  dimensions: lazy(() => z._default(z.array(NonEmpty(40)).check(z.maxLength(3)), [])),
  filters: lazy(() => z._default(z.array(CustomFilter).check(z.maxLength(10)), [])),
  /** Rows per bucket of this grain; none: one row per group over the whole period. */
  grain: lazy(() => z.optional(z.enum(GRAINS))),
  sort: lazy(() =>
    z._default(
      z
        .array(z.object({ by: NonEmpty(40), direction: z._default(z.enum(['asc', 'desc']), 'desc') }))
        .check(z.maxLength(4)),
      [],
    ),
  ),
  limit: lazy(() => z._default(z.int().check(z.minimum(1), z.maximum(1000)), 100)),
  /** Money measures in this currency; the tenant's by default. */
  currency: lazy(() => z.optional(Currency)),
  /** `tenant`: every member sees and runs it; `private`: its owner and admins. */
  visibility: lazy(() => z._default(z.enum(['private', 'tenant']), 'private')),
};

export const CustomReportCreate = named(
  'CustomReportCreate',
  lazy(() => z.object(definitionFields)),
);
export type CustomReportCreate = z.infer<typeof CustomReportCreate>;

export const CustomReportUpdate = named(
  'CustomReportUpdate',
  lazy(() =>
    z.object({
      name: z.optional(definitionFields.name),
      description: z.optional(z.nullable(z.string().check(z.maxLength(2000)))),
      dataset: z.optional(definitionFields.dataset),
      measures: z.optional(definitionFields.measures),
      dimensions: z.optional(z.array(NonEmpty(40)).check(z.maxLength(3))),
      filters: z.optional(z.array(CustomFilter).check(z.maxLength(10))),
      grain: z.optional(z.nullable(z.enum(GRAINS))),
      sort: z.optional(
        z
          .array(z.object({ by: NonEmpty(40), direction: z._default(z.enum(['asc', 'desc']), 'desc') }))
          .check(z.maxLength(4)),
      ),
      limit: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
      currency: z.optional(z.nullable(Currency)),
      visibility: z.optional(z.enum(['private', 'tenant'])),
    }),
  ),
);
export type CustomReportUpdate = z.infer<typeof CustomReportUpdate>;

export const CustomReport = named(
  'CustomReport',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      description: z.optional(z.string()),
      dataset: z.enum(DATASET_IDS),
      measures: z.array(z.string()),
      dimensions: z.array(z.string()),
      filters: z.array(
        z.object({ dimension: z.string(), op: z.enum(['in', 'not_in']), values: z.array(z.string()) }),
      ),
      grain: z.optional(z.enum(GRAINS)),
      sort: z.array(z.object({ by: z.string(), direction: z.enum(['asc', 'desc']) })),
      limit: z.int(),
      currency: z.optional(z.string()),
      visibility: z.enum(['private', 'tenant']),
      ownerId: Id,
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A saved report: a dataset, its measures and dimensions, filters, grain, sort and limit.',
);
export type CustomReport = z.infer<typeof CustomReport>;

export const CustomReportRunQuery = lazy(() =>
  z.object({
    from: periodFields.from,
    to: periodFields.to,
    compare: periodFields.compare,
  }),
);

export const REPORT_FORMATS = ['json', 'csv', 'svg'] as const;

const StandardReportRef = lazy(() =>
  z.object({
    type: z.literal('standard'),
    report: NonEmpty(40),
    /** The report's own query parameters (filters, `by`, `grain`); the period comes from `period`. */
    parameters: z._default(z.record(z.string(), z.string().check(z.maxLength(200))), {}),
  }),
);
const CustomReportRef = lazy(() => z.object({ type: z.literal('custom'), customReportId: Id }));

export const SCHEDULE_PERIODS = [
  'previous-week',
  'previous-month',
  'previous-quarter',
  'previous-year',
  'last-7-days',
  'last-30-days',
  'year-to-date',
] as const;

const scheduleFields = {
  name: NonEmpty(200),
  report: lazy(() => z.discriminatedUnion('type', [StandardReportRef, CustomReportRef])),
  /** What each mailing covers, relative to the day it goes out. */
  period: lazy(() => z.enum(SCHEDULE_PERIODS)),
  /** RFC 5545 RRULE in the tenant's time zone, e.g. FREQ=WEEKLY;BYDAY=MO or FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=2. */
  rrule: NonEmpty(500),
  /** The first occurrence, local date-time `YYYY-MM-DDTHH:mm`. */
  startsAt: LocalDateTime,
  /** Members who receive it. */
  recipients: lazy(() => z.array(Id).check(z.minLength(1), z.maxLength(50))),
};

export const ReportScheduleCreate = named(
  'ReportScheduleCreate',
  lazy(() => z.object(scheduleFields)),
);
export type ReportScheduleCreate = z.infer<typeof ReportScheduleCreate>;

export const ReportScheduleUpdate = named(
  'ReportScheduleUpdate',
  lazy(() =>
    z.object({
      name: z.optional(scheduleFields.name),
      report: z.optional(scheduleFields.report),
      period: z.optional(scheduleFields.period),
      rrule: z.optional(scheduleFields.rrule),
      startsAt: z.optional(scheduleFields.startsAt),
      recipients: z.optional(scheduleFields.recipients),
      status: z.optional(z.enum(['active', 'paused'])),
    }),
  ),
);
export type ReportScheduleUpdate = z.infer<typeof ReportScheduleUpdate>;

export const ReportSchedule = named(
  'ReportSchedule',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      report: z.discriminatedUnion('type', [
        z.object({
          type: z.literal('standard'),
          report: z.string(),
          parameters: z.record(z.string(), z.string()),
        }),
        CustomReportRef,
      ]),
      period: z.enum(SCHEDULE_PERIODS),
      rrule: z.string(),
      startsAt: z.string(),
      recipients: z.array(z.string()),
      status: z.enum(['active', 'paused']),
      /** Why the schedule paused itself (its custom report was deleted); absent when a member paused it. */
      pausedReason: z.optional(z.string()),
      timeZone: z.string(),
      nextOccurrence: z.optional(z.string()),
      lastSentOccurrence: z.optional(z.string()),
      ownerId: Id,
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
  'A report mailed to members on a recurrence: HTML with the chart, CSV attached.',
);
export type ReportSchedule = z.infer<typeof ReportSchedule>;
