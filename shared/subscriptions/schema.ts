import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Currency, Id, IsoDate, IsoDateTime, NonEmpty, named } from '../platform/schema.ts';

/** Plans and subscriptions: what a tenant pays per seat, and what it may use (docs/subscriptions.md). */

const Count = lazy(() => z.int().check(z.minimum(0), z.maximum(1_000_000_000)));
const about = <S extends z.ZodMiniType>(schema: S, description: string) =>
  schema.check(z.describe(description));

export const PlanId = lazy(() =>
  z.string().check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
      message: 'Must be 1 to 40 lowercase letters, digits or dashes.',
    }),
  ),
);

export const Quotas = named(
  'Quotas',
  lazy(() =>
    z.object({
      contacts: z.optional(about(Count, 'Contacts the tenant may keep.')),
      emailsPerMonth: z.optional(
        about(Count, 'Emails the tenant may send in a calendar month (its time zone).'),
      ),
      apiCallsPerDay: z.optional(
        about(Count, 'Metered API calls the tenant may make in a day (its time zone).'),
      ),
      storageMb: z.optional(about(Count, 'Megabytes of stored files and records the tenant may keep.')),
    }),
  ),
  'What a tenant on the plan may use; a quota left out is unlimited.',
);
export type Quotas = z.infer<typeof Quotas>;

export const BillingPeriod = named(
  'BillingPeriod',
  lazy(() => z.enum(['month', 'year'])),
);

const planFields = {
  name: NonEmpty(100),
  currency: Currency,
  seatPrice: about(
    lazy(() => z.int().check(z.minimum(0), z.maximum(100_000_000))),
    'Price of one seat (an active member) for one billing period, in minor units of the currency.',
  ),
  billingPeriod: about(BillingPeriod, 'Whether the seat price is per month or per year.'),
  seatLimit: lazy(() =>
    z.optional(
      about(z.int().check(z.minimum(1), z.maximum(100_000)), 'Active members allowed; absent: no limit.'),
    ),
  ),
  quotas: about(
    lazy(() => z._default(Quotas, {})),
    'What a tenant on the plan may use; a quota left out is unlimited.',
  ),
};

export const PlanInput = named(
  'PlanInput',
  lazy(() => z.object(planFields)),
  'A plan as the operator sets it.',
);
export type PlanInput = z.infer<typeof PlanInput>;

export const Plan = named(
  'Plan',
  lazy(() =>
    z.object({
      id: about(PlanId, "The plan's id, chosen by the operator (`team`, `business-yearly`)."),
      ...planFields,
      createdAt: about(IsoDateTime, 'When the plan was created.'),
      updatedAt: about(IsoDateTime, 'When the plan last changed.'),
      version: about(z.int(), 'Incremented by every change.'),
    }),
  ),
);
export type Plan = z.infer<typeof Plan>;

export const PlanAssignment = named(
  'PlanAssignment',
  lazy(() => z.object({ planId: about(PlanId, 'The plan.') })),
  "The plan to put the tenant on; its terms are copied onto the subscription from today's invoice on.",
);

export const ActiveSeat = named(
  'ActiveSeat',
  lazy(() =>
    z.object({
      id: about(Id, 'The member.'),
      name: about(z.string(), "The member's name."),
      email: about(z.string(), "The member's email address."),
      role: about(z.string(), "The member's role."),
    }),
  ),
);

const Bytes = lazy(() => z.int().check(z.minimum(0)));

export const Usage = named(
  'Usage',
  lazy(() =>
    z.object({
      asOf: z.optional(about(IsoDate, 'The day of the latest daily usage record, when there is one.')),
      seats: about(Count, 'Active members now.'),
      contacts: z.optional(about(Count, 'Contacts kept at the end of `asOf`.')),
      storageBytes: z.optional(about(Bytes, 'Bytes of stored files at the end of `asOf`.')),
      apiCalls: z.optional(about(Count, 'API calls the tenant made on `asOf`.')),
      emailsThisMonth: z.optional(
        about(Count, 'Emails sent from the first of the month to `asOf` (transactional and marketing).'),
      ),
    }),
  ),
);

export const Subscription = named(
  'Subscription',
  lazy(() =>
    z.object({
      tenantId: about(Id, 'The tenant.'),
      plan: z.optional(about(Plan, 'The plan, as it was when the tenant was put on it; absent until then.')),
      since: z.optional(about(IsoDateTime, 'When the tenant was put on the plan.')),
      seats: about(
        z.object({
          active: about(Count, 'Active members: each holds a seat.'),
          limit: z.optional(about(Count, "The plan's seats; absent: no limit.")),
        }),
        'Seats held and allowed.',
      ),
      usage: about(Usage, 'What the tenant uses.'),
      quotas: about(Quotas, "The plan's quotas; empty without a plan."),
    }),
  ),
  "The tenant's plan, seats, usage and quotas.",
);
export type Subscription = z.infer<typeof Subscription>;

export const DailyUsage = named(
  'DailyUsage',
  lazy(() =>
    z.object({
      date: about(IsoDate, 'The day measured.'),
      seats: about(Count, 'Active members at the end of the day.'),
      contacts: z.optional(about(Count, 'Contacts kept when the day was measured.')),
      storageBytes: z.optional(about(Bytes, 'Bytes of stored files (documents) when the day was measured.')),
      emailsSent: z.optional(about(Count, 'Emails SES accepted for the tenant that day.')),
      apiCalls: z.optional(about(Count, "API calls the tenant's credentials made that day.")),
      planId: z.optional(about(PlanId, 'The plan the tenant was on.')),
    }),
  ),
  "One day of a tenant's metered usage (days measured before contacts, storage, emails and API calls were metered carry seats only).",
);
export type DailyUsage = z.infer<typeof DailyUsage>;

export const StatementLine = named(
  'StatementLine',
  lazy(() =>
    z.object({
      planId: about(PlanId, 'The plan in force over these days.'),
      planName: NonEmpty(100),
      from: about(IsoDate, 'The first day billed at this plan.'),
      to: about(IsoDate, 'The last day billed at this plan.'),
      seatPrice: about(Count, "The plan's seat price, in minor units, per its billing period."),
      billingPeriod: BillingPeriod,
      seatDays: about(Count, 'Active members summed over these days.'),
      emailsSent: about(Count, 'Emails sent on these days (the days measured, summed).'),
      apiCalls: about(Count, 'API calls made on these days (the days measured, summed).'),
      amount: about(Count, 'What these days cost, in minor units of the currency.'),
    }),
  ),
  'One stretch of a month at the plan in force during it: a plan change mid-month makes one line per stretch.',
);
export type StatementLine = z.infer<typeof StatementLine>;

export const Statement = named(
  'Statement',
  lazy(() =>
    z.object({
      month: about(z.string(), 'The month billed, YYYY-MM.'),
      planId: about(PlanId, 'The plan at the end of the month.'),
      currency: about(Currency, "The plans' currency."),
      seatDays: about(Count, 'Active members summed over the days of the month on a plan.'),
      lines: z.optional(
        about(
          z.array(StatementLine),
          'Each stretch of the month at the plan in force during it (statements from before plan periods have none).',
        ),
      ),
      emailsSent: z.optional(about(Count, 'Emails sent in the month (the days measured, summed).')),
      apiCalls: z.optional(about(Count, 'API calls made in the month (the days measured, summed).')),
      peakContacts: z.optional(about(Count, 'The most contacts kept on a day of the month.')),
      peakStorageBytes: z.optional(about(Bytes, 'The most bytes stored on a day of the month.')),
      amount: about(Count, 'What the month costs (its lines summed), in minor units of the currency.'),
      invoiceId: z.optional(about(Id, "The operator's invoice for it (none when nothing is owed).")),
      invoiceNumber: z.optional(about(z.string(), "The invoice's number, once issued.")),
    }),
  ),
  "A month's usage as billed: seat-days at the price of the plan in force each day, the month's emails, API calls, contacts and storage, and the operator's invoice for it.",
);
export type Statement = z.infer<typeof Statement>;

export const TenantOverview = named(
  'TenantOverview',
  lazy(() =>
    z.object({
      subscription: Subscription,
      activeSeats: about(z.array(ActiveSeat), 'The members holding a seat.'),
      days: about(z.array(DailyUsage), 'The latest 31 days measured, newest first.'),
      statements: about(z.array(Statement), 'The latest 12 monthly statements, newest first.'),
    }),
  ),
  "What the operator sees of a tenant: its subscription, who holds its seats, recent days' usage and statements.",
);
