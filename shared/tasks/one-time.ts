import { type MailMessage, type MailOutcome, sendMail } from '../mail/service.ts';
import { atExpression, deleteSchedule, upsertSchedule } from '../platform/aws/scheduler.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { localDateTime } from './local-time.ts';

/**
 * Durable timers: one EventBridge Scheduler `at(...)` schedule per pending moment (a reminder, a
 * recurrence, a delayed automation), which deletes itself after it fires. Scheduler refuses an
 * `at(...)` in the past, so a moment that has already passed (an event handled late) is
 * scheduled a minute from now instead; the job it starts carries the intended moment in its
 * payload, so nothing downstream depends on when it really ran.
 */
export interface OneTimeSchedule {
  /** Unique in the schedule group, at most 64 characters. */
  name: string;
  /** Wall-clock time `YYYY-MM-DDTHH:mm` in `timeZone`. */
  local: string;
  timeZone: string;
  /** The declared function to invoke and the declared one-time schedule it belongs to. */
  target: string;
  schedule: string;
  payload: Record<string, unknown>;
  description: string;
}

export async function scheduleOnce(ctx: TenantContext, request: OneTimeSchedule): Promise<void> {
  const earliest = localDateTime(new Date(ctx.clock.now().getTime() + 60_000), request.timeZone);
  const local = request.local > earliest ? request.local : earliest;
  await upsertSchedule({
    name: request.name,
    expression: atExpression(`${local}:00`),
    timezone: request.timeZone,
    target: request.target,
    input: { schedule: request.schedule, tenantId: ctx.tenantId, payload: request.payload },
    description: request.description,
  });
}

export { deleteSchedule };

/** The one pending occurrence of something recurring, as its Saved event reports it. */
export interface OccurrenceChange {
  nextOccurrence?: string | undefined;
  previousOccurrence?: string | undefined;
  timeZone: string;
}

/**
 * Keeps one timer for the pending occurrence of something recurring (a recurring task, a
 * schedule-triggered rule, a survey's waves): drops the schedule of the occurrence it replaced and
 * schedules the new one. `timer` names and describes the schedule of an occurrence.
 */
export async function moveOccurrenceTimer(
  ctx: TenantContext,
  change: OccurrenceChange,
  timer: Pick<OneTimeSchedule, 'target' | 'schedule'> & {
    name: (occurrence: string) => string;
    payload: (occurrence: string) => Record<string, unknown>;
    description: (occurrence: string) => string;
  },
): Promise<void> {
  const { nextOccurrence: next, previousOccurrence: previous } = change;
  if (previous && previous !== next) await deleteSchedule(timer.name(previous));
  if (!next) return;
  await scheduleOnce(ctx, {
    name: timer.name(next),
    local: next,
    timeZone: change.timeZone,
    target: timer.target,
    schedule: timer.schedule,
    payload: timer.payload(next),
    description: timer.description(next),
  });
}

class AlreadySent extends ConflictError {}

/**
 * Sends a mail at most once per `guard` key: the guard is written before the send (so a redelivery
 * cannot send twice) and removed again when SES refuses the send, so the retry can try again.
 * Returns undefined when the mail had already been sent.
 */
export async function sendMailOnce(
  ctx: TenantContext,
  guard: ItemKey,
  message: MailMessage,
  expiresInDays = 90,
): Promise<MailOutcome | undefined> {
  try {
    await unitOfWork(ctx)
      .put(
        {
          ...guard,
          entity: 'MailGuard',
          sentAt: ctx.clock.now().toISOString(),
          expiresAt: Math.floor(Date.now() / 1000) + expiresInDays * 86_400,
        },
        { condition: notExists, onConditionFailed: () => new AlreadySent('already sent') },
      )
      .commit();
  } catch (error) {
    if (error instanceof AlreadySent) return undefined;
    throw error;
  }
  try {
    return await sendMail(ctx, message);
  } catch (error) {
    await unitOfWork(ctx).delete(guard).commit();
    throw error;
  }
}
