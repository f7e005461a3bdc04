import * as z from 'zod/mini';
import { Currency, Id, IsoDate, IsoDateTime, NonEmpty, named } from '../platform/schema.ts';

/** Plans and subscriptions: what a tenant pays per seat, and what it may use (docs/subscriptions.md). */

const Count = z.int().check(z.minimum(0), z.maximum(1_000_000_000));

export const PlanId = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'Must be 1 to 40 lowercase letters, digits or dashes.' }),
  );

export const Quotas = named(
  'Quotas',
  z.object({
    contacts: z.optional(Count),
    emailsPerMonth: z.optional(Count),
    apiCallsPerDay: z.optional(Count),
    storageMb: z.optional(Count),
  }),
  'What a tenant on the plan may use; a quota left out is unlimited.',
);
export type Quotas = z.infer<typeof Quotas>;

export const BillingPeriod = named('BillingPeriod', z.enum(['month', 'year']));

const planFields = {
  name: NonEmpty(100),
  currency: Currency,
  /** Price of one seat for one billing period, in minor units. */
  seatPrice: z.int().check(z.minimum(0), z.maximum(100_000_000)),
  billingPeriod: BillingPeriod,
  /** Active members allowed; none: as many as the tenant likes. */
  seatLimit: z.optional(z.int().check(z.minimum(1), z.maximum(100_000))),
  quotas: z._default(Quotas, {}),
};

export const PlanInput = named('PlanInput', z.object(planFields), 'A plan as the operator sets it.');
export type PlanInput = z.infer<typeof PlanInput>;

export const Plan = named(
  'Plan',
  z.object({ id: PlanId, ...planFields, createdAt: IsoDateTime, updatedAt: IsoDateTime, version: z.int() }),
);
export type Plan = z.infer<typeof Plan>;

export const PlanAssignment = named(
  'PlanAssignment',
  z.object({ planId: PlanId }),
  "The plan to put the tenant on; its terms are copied onto the subscription from today's invoice on.",
);

export const ActiveSeat = named(
  'ActiveSeat',
  z.object({ id: Id, name: z.string(), email: z.string(), role: z.string() }),
);

export const Usage = named(
  'Usage',
  z.object({
    /** The local date of the latest daily usage record, when there is one. */
    asOf: z.optional(IsoDate),
    seats: Count,
    contacts: z.optional(Count),
    emailsThisMonth: z.optional(Count),
    apiCallsToday: z.optional(Count),
    storageMb: z.optional(Count),
  }),
);

export const Subscription = named(
  'Subscription',
  z.object({
    tenantId: Id,
    /** Absent until the operator puts the tenant on a plan. */
    plan: z.optional(Plan),
    since: z.optional(IsoDateTime),
    seats: z.object({ active: Count, limit: z.optional(Count) }),
    usage: Usage,
    quotas: Quotas,
  }),
  "The tenant's plan, seats, usage and quotas.",
);
export type Subscription = z.infer<typeof Subscription>;

export const DailyUsage = named(
  'DailyUsage',
  z.object({ date: IsoDate, seats: Count, planId: z.optional(PlanId) }),
  "One day of a tenant's metered usage.",
);
export type DailyUsage = z.infer<typeof DailyUsage>;

export const Statement = named(
  'Statement',
  z.object({
    month: z.string(),
    planId: PlanId,
    currency: Currency,
    seatDays: Count,
    amount: Count,
    invoiceId: z.optional(Id),
    invoiceNumber: z.optional(z.string()),
  }),
  "A month's usage as billed: seat-days at the plan's price, and the operator's invoice for it.",
);
export type Statement = z.infer<typeof Statement>;

export const TenantOverview = named(
  'TenantOverview',
  z.object({
    subscription: Subscription,
    activeSeats: z.array(ActiveSeat),
    days: z.array(DailyUsage),
    statements: z.array(Statement),
  }),
  "What the operator sees of a tenant: its subscription, who holds its seats, recent days' usage and statements.",
);
