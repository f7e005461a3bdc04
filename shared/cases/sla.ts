import { CaseSlaBreached, CaseSlaWarning, CaseStatusChanged } from '../../events/cases.ts';
import { atExpression, upsertSchedule } from '../platform/aws/scheduler.ts';
import type { TenantContext } from '../platform/context.ts';
import { unitOfWork, whileVersion } from '../platform/db/repository.ts';
import { absentIfNotFound, PreconditionFailedError } from '../platform/errors.ts';
import { getCase } from './cases.ts';
import { caseKeys } from './keys.ts';
import type { Case, CasePriority } from './schema.ts';
import { slaEnvironment } from './settings.ts';
import {
  dueStages,
  METRIC_NAME,
  nextInstant,
  recordStages,
  type SlaClocks,
  statusMoved,
} from './sla-clocks.ts';
import { SLA_JOB, SLA_SCHEDULE } from './sla-layout.ts';

/**
 * SLA timers (docs/contact-centre.md, SLAs). The clocks themselves move with the case's writes
 * (sla-clocks.ts, in the same transaction as the reply or status that moves them); here, one
 * one-time schedule per case (`case-sla-<case id>`) stands at the next instant a clock warns or
 * breaches, so nothing polls. A firing records every warning and breach due by then, with its
 * event, in one write guarded by the case's version: a firing delivered twice, or racing an
 * agent's reply, records nothing twice. The same timer closes a solved case at its `closesAt`.
 */
const RAISED: Record<CasePriority, CasePriority> = {
  low: 'normal',
  normal: 'high',
  high: 'urgent',
  urgent: 'urgent',
};

export const slaScheduleName = (caseId: string) => `${SLA_SCHEDULE}-${caseId}`;

async function arm(ctx: TenantContext, caseId: string, at: string) {
  await upsertSchedule({
    name: slaScheduleName(caseId),
    expression: atExpression(at),
    timezone: 'UTC',
    target: SLA_JOB,
    input: { schedule: SLA_SCHEDULE, tenantId: ctx.tenantId, payload: { caseId } },
    description: `SLA timer of case ${caseId}`,
  });
}

/** The timer's next instant: the clocks' next warning or target, or the closing of a solved case. */
function nextTimer(c: Case): string | undefined {
  const instants = [nextInstant(c.sla ?? {}), c.status === 'solved' ? c.closesAt : undefined].filter(
    (at): at is string => at !== undefined,
  );
  return instants.sort()[0];
}

async function caseOrNothing(ctx: TenantContext, caseId: string): Promise<Case | undefined> {
  // A case gone since (its tenant deleted) has no clock left to keep.
  return getCase(ctx, caseId, true).catch(absentIfNotFound);
}

/**
 * Sets the case's timer to its clocks' next instant, after a change that may have moved them. The
 * case is read again after the schedule is written: a change committed meanwhile (whose own event
 * may have set the schedule from an older read) is armed for here, so the last word is the latest.
 */
export async function armSlaTimer(ctx: TenantContext, caseId: string): Promise<string | undefined> {
  let c = await caseOrNothing(ctx, caseId);
  for (let tries = 0; c && tries < 3; tries++) {
    const at = nextTimer(c);
    if (!at) return undefined;
    await arm(ctx, caseId, at);
    const now = await caseOrNothing(ctx, caseId);
    if (!now || now.version === c.version) return at;
    c = now;
  }
  return undefined;
}

export type SlaFiring = 'stopped' | 'early' | 'recorded' | 'closed';

/** A firing of the case's SLA timer: record what is due by now, then set the timer to what is next. */
export async function slaTimerFired(ctx: TenantContext, caseId: string): Promise<SlaFiring> {
  for (let tries = 1; ; tries++) {
    const c = await caseOrNothing(ctx, caseId);
    if (!c) return 'stopped';
    const now = ctx.clock.now();
    const stages = dueStages(c.sla ?? {}, now);
    const closing =
      c.status === 'solved' && c.closesAt !== undefined && Date.parse(c.closesAt) <= now.getTime();
    if (!stages.length && !closing) {
      const next = nextTimer(c);
      if (next) await arm(ctx, caseId, next);
      return next ? 'early' : 'stopped';
    }
    let sla: SlaClocks = recordStages(c.sla ?? {}, stages);
    let priority = c.priority;
    const uow = unitOfWork(ctx);
    for (const { metric, stage } of stages) {
      const clock = sla[metric]!;
      const common = {
        caseId,
        metric: METRIC_NAME[metric],
        priority,
        dueAt: clock.dueAt,
        ...(c.assigneeId ? { assigneeId: c.assigneeId } : {}),
      };
      if (stage === 'warning') uow.publish(CaseSlaWarning, common);
      else {
        // Each missed target raises the priority one step, up to urgent.
        const raisedTo = RAISED[priority];
        uow.publish(CaseSlaBreached, { ...common, raisedTo });
        priority = raisedTo;
      }
    }
    if (closing) {
      // Closed at its instant, like a breach: clocks still paused by the solution stop there.
      sla = statusMoved(sla, 'solved', 'closed', new Date(c.closesAt!), (await slaEnvironment(ctx)).hours);
      uow.publish(CaseStatusChanged, {
        caseId,
        from: 'solved',
        to: 'closed',
        ...(c.contactId ? { contactId: c.contactId } : {}),
        ...(c.assigneeId ? { assigneeId: c.assigneeId } : {}),
      });
    }
    uow.update(caseKeys.case(ctx.tenantId, caseId), {
      set: {
        sla,
        priority,
        ...(closing
          ? { status: 'closed', GSI2PK: caseKeys.byStatus(ctx.tenantId, 'closed'), closesAt: undefined }
          : {}),
      },
      ...whileVersion(c.version),
    });
    try {
      await uow.commit();
    } catch (error) {
      // The case changed since it was read (a reply, or this firing delivered twice): read again.
      if (error instanceof PreconditionFailedError && tries < 5) continue;
      throw error;
    }
    const next = closing ? nextInstant(sla) : nextTimer({ ...c, sla });
    if (next) await arm(ctx, caseId, next);
    return closing ? 'closed' : 'recorded';
  }
}
