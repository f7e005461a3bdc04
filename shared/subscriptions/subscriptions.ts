import type { TenantContext } from '../platform/context.ts';
import { queryPage, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { getTenant } from '../tenancy/records.ts';
import { type Seats, seatsOf, setSeatLimitInto } from '../tenancy/seats.ts';
import { subscriptionKeys } from './keys.ts';
import { getPlan } from './plans.ts';
import type { DailyUsage, Statement, Subscription } from './schema.ts';
import { type PlanPeriod, type StoredSubscription, storedSubscription } from './stored.ts';

/**
 * Puts the tenant on a plan (the operator's call). The plan's seat limit is set in the same
 * transaction: fewer seats than active members is a 409 listing the members to deactivate first.
 */
export async function assignPlan(
  operator: TenantContext,
  tenant: TenantContext,
  planId: string,
): Promise<Subscription> {
  await getTenant(tenant);
  // The operator tenant runs the service and is nobody's subscriber: a plan would cap its seats
  // and quotas (its own staff's API calls and mail blocked), and bill it to itself every month.
  if (tenant.tenantId === operator.tenantId)
    throw new ConflictError(
      'This is the operator tenant: it runs the service and is not put on a plan (its seats and quotas would limit the operator itself).',
      { reason: 'operator_tenant' },
    );
  const plan = await getPlan(operator, planId).catch((error: unknown) => {
    if (error instanceof NotFoundError) throw ValidationError.field('body.planId', `No plan ${planId}.`);
    throw error;
  });
  const current = await storedSubscription(tenant);
  // A tenant is invoiced in one currency: a month with plans in two would need two invoices.
  if (current && current.plan.currency !== plan.currency)
    throw new ConflictError(
      `The tenant's plans are in ${current.plan.currency}, and its invoices with them; a plan in ${plan.currency} cannot follow.`,
      { reason: 'currency_change', currency: current.plan.currency },
    );
  const uow = unitOfWork(tenant);
  const seats = await setSeatLimitInto(uow, tenant, plan.seatLimit);
  // The same plan at the same version is the same terms: assigning it again starts nothing new.
  const sameTerms = current?.planId === planId && current.plan.version === plan.version;
  const since = sameTerms ? current.since : tenant.clock.now().toISOString();
  // No condition of its own: the seat hold above is conditioned on the seats read, so of two
  // assignments at once one commits and the other answers 409 (seats_changed).
  uow.put({
    ...subscriptionKeys.subscription(tenant.tenantId),
    entity: 'Subscription',
    planId,
    plan,
    since,
    ...(current?.operatorContactId ? { operatorContactId: current.operatorContactId } : {}),
  });
  if (!sameTerms) {
    // The stretch that ends keeps its terms for the month's statement; a subscription from before
    // periods were kept gets its period now (rewriting one that exists writes the same).
    if (current)
      uow.put(periodItem(tenant, { planId: current.planId, plan: current.plan, from: current.since }));
    uow.put(periodItem(tenant, { planId, plan, from: since }));
  }
  await uow.commit();
  // Measuring usage loads the metering and its notices: on this path only, not at the cold start
  // of every function that reads a subscription.
  await (await import('./usage.ts')).recheckQuotas(tenant);
  return view(tenant, { planId, plan, since }, seats, await latestDays(tenant));
}

const periodItem = (ctx: TenantContext, period: PlanPeriod) => ({
  ...subscriptionKeys.period(ctx.tenantId, period.from),
  entity: 'PlanPeriod',
  ...period,
});

/** The latest days measured, newest first (at most a month's worth: enough for month-to-date). */
async function latestDays(ctx: TenantContext, limit = 31): Promise<DailyUsage[]> {
  const page = await queryPage(
    ctx,
    { partition: subscriptionKeys.usage(ctx.tenantId), sort: { beginsWith: 'DAY#' }, ascending: false },
    { limit },
    (item) => withoutKeys<DailyUsage>(item),
  );
  return page.items;
}

function view(
  ctx: TenantContext,
  stored: StoredSubscription | undefined,
  seats: Seats,
  days: DailyUsage[],
): Subscription {
  const [day] = days;
  const measured = day
    ? {
        asOf: day.date,
        ...(day.contacts !== undefined ? { contacts: day.contacts } : {}),
        ...(day.storageBytes !== undefined ? { storageBytes: day.storageBytes } : {}),
        ...(day.apiCalls !== undefined ? { apiCalls: day.apiCalls } : {}),
        emailsThisMonth: days
          .filter((d) => d.date.slice(0, 7) === day.date.slice(0, 7))
          .reduce((sum, d) => sum + (d.emailsSent ?? 0), 0),
      }
    : {};
  return {
    tenantId: ctx.tenantId,
    ...(stored ? { plan: stored.plan, since: stored.since } : {}),
    seats: { active: seats.active.length, ...(seats.limit !== undefined ? { limit: seats.limit } : {}) },
    usage: { ...measured, seats: seats.active.length },
    quotas: stored?.plan.quotas ?? {},
  };
}

/** `GET /v1/subscription`: the tenant's plan, seats, usage and quotas. */
export async function getSubscription(ctx: TenantContext): Promise<Subscription> {
  const [stored, seats, days] = await Promise.all([storedSubscription(ctx), seatsOf(ctx), latestDays(ctx)]);
  return view(ctx, stored, seats, days);
}

/** What the operator (and `funnel tenant show`) sees of a tenant. */
export async function tenantOverview(ctx: TenantContext) {
  await getTenant(ctx);
  const [stored, seats] = await Promise.all([storedSubscription(ctx), seatsOf(ctx)]);
  const recent = async <T>(prefix: string, limit: number) =>
    (
      await queryPage(
        ctx,
        { partition: subscriptionKeys.usage(ctx.tenantId), sort: { beginsWith: prefix }, ascending: false },
        { limit },
        (item) => withoutKeys<T>(item),
      )
    ).items;
  const [days, statements] = await Promise.all([
    recent<DailyUsage>('DAY#', 31),
    recent<Statement>('MONTH#', 12),
  ]);
  return {
    subscription: view(ctx, stored, seats, days),
    activeSeats: seats.active,
    days,
    statements,
  };
}
