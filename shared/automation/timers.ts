import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, queryEach, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { addDays } from '../platform/time.ts';
import { localDateTime, occurrenceInstant } from '../tasks/local-time.ts';
import { deleteSchedule, scheduleOnce } from '../tasks/one-time.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { automationKeys } from './keys.ts';
import type { AutomationRule, Delay, Firing } from './schema.ts';

/**
 * Delay triggers ("3 days after QuoteRequested unless QuoteSent"). Each pending occurrence is a
 * timer item plus a one-time schedule for its moment: nothing ever sweeps for due timers. The
 * timer lives in the partition of its (rule, correlated record), so the cancelling event finds the
 * timers it cancels with one key query. A cancel mark (the latest cancelling event per record) is
 * checked when a timer starts and when it fires, because events can arrive out of order and a
 * schedule can fire while it is being deleted.
 */
export const TIMER_SCHEDULE = 'automation-timer';

type EventDetail = Record<string, unknown> & { eventId: string; occurredAt: string };

export interface Timer {
  id: string;
  ruleId: string;
  correlation: string;
  /** Whether a cancelling event can name this timer's record. */
  cancellable: boolean;
  eventType: string;
  eventId: string;
  occurredAt: string;
  fields: Record<string, unknown>;
  /** The moment the delay ends, and the same in the tenant's time zone. */
  dueAt: string;
  dueLocal: string;
  status: 'pending' | 'fired' | 'cancelled';
  schedule: string;
}

/**
 * The record a cancelling event would name (e.g. the quote id). A delay nothing can cancel is
 * keyed by its own event instead, so such timers never pile up in one partition.
 */
function correlationOf(
  rule: AutomationRule,
  detail: EventDetail,
): { correlation: string; cancellable: boolean } {
  const value =
    rule.trigger.type === 'delay' && rule.trigger.unless ? detail[rule.trigger.unless.match] : undefined;
  return typeof value === 'string' && value
    ? { correlation: value, cancellable: true }
    : { correlation: `event-${detail.eventId}`, cancellable: false };
}

/** When a delay started at `occurredAt` ends: calendar days keep the wall-clock time in the tenant zone. */
export function delayEnd(occurredAt: string, delay: Delay, tenant: Tenant): { local: string; at: Date } {
  const start = new Date(occurredAt);
  const days = delay.setting ? tenant.settings[delay.setting] : delay.unit === 'days' ? delay.amount! : 0;
  if (days > 0) {
    const local = localDateTime(start, tenant.timeZone);
    const shifted = `${addDays(local.slice(0, 10), days)}${local.slice(10)}`;
    return { local: shifted, at: occurrenceInstant(shifted, tenant.timeZone) };
  }
  const minutes = delay.unit === 'hours' ? delay.amount! * 60 : delay.amount!;
  const at = new Date(start.getTime() + minutes * 60_000);
  return { local: localDateTime(at, tenant.timeZone), at };
}

class TimerExists extends ConflictError {
  constructor(readonly existing: Record<string, unknown> | undefined) {
    super('The timer already exists.');
  }
}

/** Starts the delay of `rule` for one event, once however often the event is delivered. */
export async function startTimer(
  ctx: TenantContext,
  rule: AutomationRule,
  eventType: string,
  detail: EventDetail,
  fields: Record<string, unknown>,
): Promise<void> {
  if (rule.trigger.type !== 'delay') return;
  const { correlation, cancellable } = correlationOf(rule, detail);
  if (cancellable && (await cancelledSince(ctx, rule.id, correlation, detail.occurredAt))) return;
  const tenant = await getTenant(ctx);
  const end = delayEnd(detail.occurredAt, rule.trigger.delay, tenant);
  const id = newId();
  let timer: Timer = {
    id,
    ruleId: rule.id,
    correlation,
    cancellable,
    eventType,
    eventId: detail.eventId,
    occurredAt: detail.occurredAt,
    fields,
    dueAt: end.at.toISOString(),
    dueLocal: end.local,
    status: 'pending',
    schedule: `${TIMER_SCHEDULE}-${id}`,
  };
  try {
    await unitOfWork(ctx)
      .put(
        {
          ...automationKeys.timer(ctx.tenantId, rule.id, correlation, detail.eventId),
          entity: 'AutomationTimer',
          // Listed per rule, so that the tenant registry reaches every timer partition.
          GSI1PK: automationKeys.timersOf(ctx.tenantId, rule.id),
          GSI1SK: `${correlation}#TIMER#${detail.eventId}`,
          ...timer,
        },
        { condition: notExists, onConditionFailed: (existing) => new TimerExists(existing) },
      )
      .commit();
  } catch (error) {
    if (!(error instanceof TimerExists)) throw error;
    // A redelivery: the first delivery may have stopped before scheduling, so schedule again.
    timer = withoutKeys<Timer>(error.existing ?? {});
    if (timer.status !== 'pending') return;
  }
  await scheduleOnce(ctx, {
    name: timer.schedule,
    local: timer.dueLocal,
    timeZone: tenant.timeZone,
    target: 'automation-jobs',
    schedule: TIMER_SCHEDULE,
    payload: { ruleId: rule.id, correlation, eventId: detail.eventId },
    description: `Delay of automation rule ${rule.id} after event ${detail.eventId}`,
  });
}

async function cancelledSince(
  ctx: TenantContext,
  ruleId: string,
  correlation: string,
  occurredAt: string,
): Promise<boolean> {
  const mark = await getItem(ctx, automationKeys.cancelMark(ctx.tenantId, ruleId, correlation), {
    consistent: true,
  });
  return typeof mark?.cancelledAt === 'string' && mark.cancelledAt >= occurredAt;
}

/**
 * A cancelling event: marks the record cancelled as of the event, cancels the timers it started
 * before, and deletes their schedules.
 */
export async function cancelTimers(
  ctx: TenantContext,
  rule: AutomationRule,
  detail: EventDetail,
): Promise<number> {
  if (rule.trigger.type !== 'delay' || !rule.trigger.unless) return 0;
  const value = detail[rule.trigger.unless.match];
  if (typeof value !== 'string' || !value) return 0;
  await unitOfWork(ctx)
    .put(
      {
        ...automationKeys.cancelMark(ctx.tenantId, rule.id, value),
        entity: 'AutomationCancelMark',
        GSI1PK: automationKeys.timersOf(ctx.tenantId, rule.id),
        GSI1SK: `${value}#CANCELLED`,
        cancelledAt: detail.occurredAt,
        eventId: detail.eventId,
      },
      {
        condition: (e) =>
          `attribute_not_exists(${e.name('PK')}) OR ${e.name('cancelledAt')} < ${e.value(detail.occurredAt)}`,
        onConditionFailed: () => new ConflictError('A later cancellation is already marked.'),
      },
    )
    .commit()
    .catch((error) => {
      if (!(error instanceof ConflictError)) throw error;
    });
  let cancelled = 0;
  for await (const item of queryEach(ctx, {
    partition: automationKeys.timers(ctx.tenantId, rule.id, value),
    sort: { beginsWith: 'TIMER#' },
    consistent: true,
  })) {
    const timer = withoutKeys<Timer>(item);
    if (timer.status !== 'pending' || timer.occurredAt > detail.occurredAt) continue;
    if (await settle(ctx, timer, 'cancelled')) cancelled++;
    await deleteSchedule(timer.schedule);
  }
  return cancelled;
}

/** Moves a pending timer to `status`; false when another change (fire or cancel) got there first. */
async function settle(ctx: TenantContext, timer: Timer, status: 'fired' | 'cancelled'): Promise<boolean> {
  try {
    await unitOfWork(ctx)
      .update(automationKeys.timer(ctx.tenantId, timer.ruleId, timer.correlation, timer.eventId), {
        set: { status, [`${status}At`]: ctx.clock.now().toISOString() },
        condition: (e) => `${e.name('status')} = ${e.value('pending')}`,
        onConditionFailed: () => new ConflictError('The timer is no longer pending.'),
      })
      .commit();
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}

/**
 * The timer's schedule fired. A cancelled timer (or one whose record was cancelled after it
 * started) does nothing; a pending one becomes fired and yields its firing. A timer already fired
 * yields its firing again (the first run may have stopped before handing it over; the worker runs
 * each occurrence once).
 */
export async function fireTimer(
  ctx: TenantContext,
  key: { ruleId: string; correlation: string; eventId: string },
): Promise<Firing | undefined> {
  const item = await getItem(
    ctx,
    automationKeys.timer(ctx.tenantId, key.ruleId, key.correlation, key.eventId),
    {
      consistent: true,
    },
  );
  if (!item) return undefined;
  const timer = withoutKeys<Timer>(item);
  if (timer.status === 'cancelled') return undefined;
  if (timer.status === 'pending') {
    if (timer.cancellable && (await cancelledSince(ctx, timer.ruleId, timer.correlation, timer.occurredAt))) {
      await settle(ctx, timer, 'cancelled');
      return undefined;
    }
    if (!(await settle(ctx, timer, 'fired'))) return fireTimer(ctx, key);
  }
  return {
    tenantId: ctx.tenantId,
    ruleId: timer.ruleId,
    occurrence: `timer#${timer.eventId}`,
    trigger: {
      type: 'delay',
      at: timer.dueAt,
      eventType: timer.eventType,
      eventId: timer.eventId,
      ...(typeof timer.fields.contactId === 'string' ? { contactId: timer.fields.contactId } : {}),
      fields: timer.fields,
    },
  };
}
