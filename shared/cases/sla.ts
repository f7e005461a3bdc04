import { CaseSlaBreached, CaseSlaWarning } from '../../events/cases.ts';
import { atExpression, upsertSchedule } from '../platform/aws/scheduler.ts';
import type { TenantContext } from '../platform/context.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { addBusinessMinutes, type BusinessHours } from './business-hours.ts';
import { getCase } from './cases.ts';
import { caseKeys } from './keys.ts';
import type { CasePriority } from './schema.ts';
import { getCaseSettings } from './settings.ts';
import { SLA_JOB, SLA_SCHEDULE } from './sla-layout.ts';

/**
 * SLA clocks (docs/contact-centre.md, SLAs). A case's first-response target runs in business time
 * from its opening; one one-time schedule per case (`case-sla-<case id>`) fires when 80% of it is
 * used (a warning) and again at the target (the breach), so nothing polls. Each firing reads the
 * case: an answered, solved or closed case stops the clock; a warning or a breach is recorded by a
 * conditional write with its event, so a repeated firing changes nothing.
 */
/** Business minutes to the first public reply, by priority. */
export const FIRST_RESPONSE_MINUTES: Record<CasePriority, number> = {
  urgent: 60,
  high: 240,
  normal: 480,
  low: 1440,
};
export const WARN_FRACTION = 0.8;
const RAISED: Record<CasePriority, CasePriority> = {
  low: 'normal',
  normal: 'high',
  high: 'urgent',
  urgent: 'urgent',
};

export interface SlaClock {
  startedAt: string;
  warnAt: string;
  dueAt: string;
  warnedAt?: string;
  breachedAt?: string;
}

/** The tenant's opening hours and holidays (case settings), Monday to Friday 9 to 5 by default. */
export async function businessHoursOf(ctx: TenantContext): Promise<BusinessHours> {
  const [tenant, settings] = await Promise.all([getTenant(ctx), getCaseSettings(ctx)]);
  return { timeZone: tenant.timeZone, week: settings.week, holidays: settings.holidays };
}

export const slaScheduleName = (caseId: string) => `${SLA_SCHEDULE}-${caseId}`;

async function arm(ctx: TenantContext, caseId: string, at: string, stage: 'warn' | 'breach') {
  await upsertSchedule({
    name: slaScheduleName(caseId),
    expression: atExpression(at),
    timezone: 'UTC',
    target: SLA_JOB,
    input: { schedule: SLA_SCHEDULE, tenantId: ctx.tenantId, payload: { caseId, stage } },
    description: `SLA ${stage} of case ${caseId}`,
  });
}

/** Starts a new case's first-response clock (a redelivery re-arms the same schedule). */
export async function startSlaClock(ctx: TenantContext, caseId: string): Promise<SlaClock | undefined> {
  const c = await getCase(ctx, caseId, true);
  if (c.firstResponseAt || c.status === 'solved' || c.status === 'closed') return undefined;
  let clock = (c as { sla?: { firstResponse?: SlaClock } }).sla?.firstResponse;
  if (!clock) {
    const hours = await businessHoursOf(ctx);
    const start = new Date(c.createdAt);
    const minutes = FIRST_RESPONSE_MINUTES[c.priority];
    clock = {
      startedAt: c.createdAt,
      warnAt: addBusinessMinutes(start, Math.round(minutes * WARN_FRACTION), hours).toISOString(),
      dueAt: addBusinessMinutes(start, minutes, hours).toISOString(),
    };
    await unitOfWork(ctx)
      .update(caseKeys.case(ctx.tenantId, caseId), {
        set: { sla: { firstResponse: clock } },
        condition: (e) => `attribute_exists(${e.name('PK')}) AND attribute_not_exists(${e.name('sla')})`,
        onConditionFailed: () => new ClockStartedElsewhere(),
      })
      .commit()
      .catch((error) => {
        if (!(error instanceof ClockStartedElsewhere)) throw error;
      });
  }
  if (!clock.warnedAt) await arm(ctx, caseId, clock.warnAt, 'warn');
  else if (!clock.breachedAt) await arm(ctx, caseId, clock.dueAt, 'breach');
  return clock;
}

class ClockStartedElsewhere extends Error {}
class AlreadyRecorded extends Error {}

export type SlaFiring = 'stopped' | 'early' | 'warned' | 'breached' | 'done';

/** A firing of the case's SLA schedule at `now`. */
export async function slaTimerFired(
  ctx: TenantContext,
  caseId: string,
  stage: 'warn' | 'breach',
): Promise<SlaFiring> {
  const now = ctx.clock.now();
  // A case gone since (its tenant deleted) has no clock left to keep.
  const c = await getCase(ctx, caseId, true).catch((error) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (!c) return 'stopped';
  const clock = (c as { sla?: { firstResponse?: SlaClock } }).sla?.firstResponse;
  if (!clock || c.firstResponseAt || c.status === 'solved' || c.status === 'closed') return 'stopped';
  const at = stage === 'warn' ? clock.warnAt : clock.dueAt;
  if (now < new Date(at)) {
    await arm(ctx, caseId, at, stage);
    return 'early';
  }
  const key = caseKeys.case(ctx.tenantId, caseId);
  const uow = unitOfWork(ctx);
  if (stage === 'warn') {
    uow.update(key, {
      set: { sla: { firstResponse: { ...clock, warnedAt: now.toISOString() } }, slaWarned: true },
      condition: (e) => `attribute_not_exists(${e.name('slaWarned')})`,
      onConditionFailed: () => new AlreadyRecorded(),
    });
    uow.publish(CaseSlaWarning, {
      caseId,
      metric: 'first_response',
      priority: c.priority,
      dueAt: clock.dueAt,
      ...(c.assigneeId ? { assigneeId: c.assigneeId } : {}),
    });
  } else {
    const raisedTo = RAISED[c.priority];
    // Flagged at the target's instant, whenever the firing ran (a retry may run late).
    uow.update(key, {
      set: {
        sla: {
          firstResponse: { ...clock, warnedAt: clock.warnedAt ?? clock.dueAt, breachedAt: clock.dueAt },
        },
        priority: raisedTo,
        slaBreached: true,
      },
      condition: (e) => `attribute_not_exists(${e.name('slaBreached')})`,
      onConditionFailed: () => new AlreadyRecorded(),
      bumpVersion: true,
    });
    uow.publish(CaseSlaBreached, {
      caseId,
      metric: 'first_response',
      priority: c.priority,
      raisedTo,
      dueAt: clock.dueAt,
      ...(c.assigneeId ? { assigneeId: c.assigneeId } : {}),
    });
  }
  try {
    await uow.commit();
  } catch (error) {
    if (!(error instanceof AlreadyRecorded)) throw error;
    if (stage === 'warn') await arm(ctx, caseId, clock.dueAt, 'breach');
    return 'done';
  }
  if (stage === 'warn') await arm(ctx, caseId, clock.dueAt, 'breach');
  return stage === 'warn' ? 'warned' : 'breached';
}
