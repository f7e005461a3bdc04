import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, queryAll, type UnitOfWork, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { tenancyKeys } from './keys.ts';
import type { Member } from './schema.ts';

/**
 * Seats: a seat is an active member. The tenant's plan may cap them (the subscriptions module sets
 * the cap through `setSeatLimit`); tenancy only enforces it, so it never learns what a plan is.
 *
 * The guard item (`SEATS` in the members partition) holds the cap and a version. Adding a member
 * counts the active members, refuses past the cap, and bumps the version in the same transaction:
 * two admins adding the last free seat at once cannot both win, and a plan change racing an
 * addition fails one of them (409 `seats_changed`: the caller retries). Without a cap an addition
 * only checks that none was set meanwhile, so members added at once do not conflict; a plan
 * change that read the count just before such an addition can leave one member over the new cap,
 * which the next addition then refuses. Deactivating
 * frees a seat without touching the guard: it can only make a cap easier to meet.
 */
interface SeatGuard {
  limit?: number;
  version: number;
}

export interface Seats {
  /** The plan's cap; absent when the plan has none (or the tenant has no plan yet). */
  limit?: number;
  active: Array<Pick<Member, 'id' | 'name' | 'email' | 'role'>>;
  version: number;
}

export async function seatsOf(ctx: TenantContext): Promise<Seats> {
  const [guard, members] = await Promise.all([
    getItem(ctx, tenancyKeys.seats(ctx.tenantId), { consistent: true }),
    queryAll(ctx, { partition: tenancyKeys.members(ctx.tenantId), sort: { beginsWith: 'MEMBER#' } }),
  ]);
  const seatGuard = guard ? withoutKeys<SeatGuard>(guard) : { version: 0 };
  return {
    ...(seatGuard.limit !== undefined ? { limit: seatGuard.limit } : {}),
    version: seatGuard.version,
    active: members
      .map((item) => withoutKeys<Member>(item))
      .filter((m) => m.status === 'active')
      .map(({ id, name, email, role }) => ({ id, name, email, role })),
  };
}

const changedMeanwhile = () =>
  new ConflictError('The seats changed meanwhile (a member was added or the plan changed); retry.', {
    reason: 'seats_changed',
  });

/**
 * Bumps the guard's version in `uow` (and sets or, with null, removes the cap): the unit fails if
 * the seats changed since `seats` was read.
 */
function holdSeatsInto(uow: UnitOfWork, ctx: TenantContext, seats: Seats, limit?: number | null) {
  uow.update(tenancyKeys.seats(ctx.tenantId), {
    set: {
      entity: 'SeatGuard',
      version: seats.version + 1,
      ...(typeof limit === 'number' ? { limit } : {}),
    },
    ...(limit === null ? { remove: ['limit'] } : {}),
    condition: (e) =>
      seats.version === 0 ? notExists(e) : `${e.name('version')} = ${e.value(seats.version)}`,
    onConditionFailed: changedMeanwhile,
  });
}

/** Takes a seat for a member being added in `uow`; 409 naming the limit when none is free. */
export async function claimSeatInto(uow: UnitOfWork, ctx: TenantContext): Promise<void> {
  const seats = await seatsOf(ctx);
  if (seats.limit !== undefined && seats.active.length >= seats.limit)
    throw new ConflictError(
      `The plan allows ${seats.limit} active members and all ${seats.limit} seats are taken; deactivate a member or move to a plan with more seats.`,
      { reason: 'seat_limit', limit: 'seats', seatLimit: seats.limit, activeSeats: seats.active.length },
    );
  if (seats.limit !== undefined) {
    holdSeatsInto(uow, ctx, seats);
    return;
  }
  // Without a cap, members added at once (an admin inviting a team) must not refuse each other:
  // the unit only checks that no cap was set meanwhile, and writes nothing to the guard.
  uow.check(
    tenancyKeys.seats(ctx.tenantId),
    (e) => `attribute_not_exists(${e.name('limit')})`,
    changedMeanwhile,
  );
}

/**
 * Caps the active members at `limit` (none: uncapped), in `uow` when given (a plan assignment
 * commits the cap with the subscription). Fewer seats than active members: 409 listing the members
 * to deactivate first.
 */
export async function setSeatLimitInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  limit: number | undefined,
): Promise<Seats> {
  const seats = await seatsOf(ctx);
  if (limit !== undefined && seats.active.length > limit) {
    const over = seats.active.length - limit;
    throw new ConflictError(
      `The plan allows ${limit} active members but ${seats.active.length} are active; deactivate ${over} of them first.`,
      { reason: 'seat_limit', limit: 'seats', seatLimit: limit, activeMembers: seats.active },
    );
  }
  holdSeatsInto(uow, ctx, seats, limit ?? null);
  return { ...seats, ...(limit === undefined ? {} : { limit }) };
}

export async function setSeatLimit(ctx: TenantContext, limit: number | undefined): Promise<Seats> {
  const uow = unitOfWork(ctx);
  const seats = await setSeatLimitInto(uow, ctx, limit);
  await uow.commit();
  return seats;
}
