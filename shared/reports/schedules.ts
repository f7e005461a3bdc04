import { ReportScheduleSaved } from '../../events/reports.ts';
import type { TenantContext } from '../platform/context.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Page,
  queryPage,
  unitOfWork,
  whileVersion,
  withoutKeys,
} from '../platform/db/repository.ts';
import { NotFoundError, ValidationError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { addDays } from '../platform/time.ts';
import { moveOccurrenceTimer } from '../tasks/one-time.ts';
import {
  compactLocal,
  localDateTime,
  nextOccurrence,
  parseRecurrence,
  RecurrenceError,
} from '../tasks/recurrence.ts';
import { tenancyKeys } from '../tenancy/keys.ts';
import { getCustomReport, memberMaySee, storedCustomReport } from './custom.ts';
import { reportKeys } from './keys.ts';
import { addGrain, type Grain, truncate } from './period.ts';
import { checkStandardParameters } from './reports.ts';
import type {
  ReportSchedule,
  ReportScheduleCreate,
  ReportScheduleUpdate,
  SCHEDULE_PERIODS,
} from './schema.ts';

/**
 * Report schedules: a report mailed to members on an RRULE in the tenant's time zone. Like
 * recurring tasks, only the next occurrence is pending, as one one-time schedule moved by the
 * ReportScheduleSaved event written with every change. The mailing itself (mailings.ts) sends
 * each member one email per occurrence, guarded by a conditional write.
 */
export const REPORT_MAILING_SCHEDULE = 'report-mailing';

const toSchedule = (item: Record<string, unknown>) => withoutKeys<ReportSchedule>(item);

async function timeZoneOf(ctx: TenantContext): Promise<string> {
  const tenant = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId));
  if (!tenant) throw new NotFoundError('Tenant', ctx.tenantId);
  return String(tenant.timeZone);
}

async function checkRule(rrule: string, startsAt: string): Promise<void> {
  try {
    await parseRecurrence(rrule, startsAt);
  } catch (error) {
    if (error instanceof RecurrenceError) throw ValidationError.field('body.rrule', error.message);
    throw error;
  }
}

async function checkReport(ctx: TenantContext, report: ReportScheduleCreate['report']): Promise<void> {
  if (report.type === 'standard') {
    checkStandardParameters(report.report, report.parameters, 'body.report');
    return;
  }
  await getCustomReport(ctx, report.customReportId).catch((error) => {
    if (error instanceof NotFoundError)
      throw ValidationError.field('body.report.customReportId', error.message);
    throw error;
  });
}

/**
 * Every recipient is an active member and, for a custom report, may see it (a private report is
 * its owner's and the admins'): a schedule never mails a report to someone who could not open it.
 */
async function checkRecipients(
  ctx: TenantContext,
  recipients: string[],
  report: ReportSchedule['report'],
): Promise<void> {
  const [members, custom] = await Promise.all([
    getItems(
      ctx,
      [...new Set(recipients)].map((id) => tenancyKeys.member(ctx.tenantId, id)),
    ),
    report.type === 'custom' ? storedCustomReport(ctx, report.customReportId) : undefined,
  ]);
  const active = new Map(
    members
      .filter((m) => m.status === 'active')
      .map((m) => [String(m.id), { id: String(m.id), role: String(m.role) }]),
  );
  const missing = recipients.findIndex((id) => !active.has(id));
  if (missing >= 0)
    throw ValidationError.field(
      `body.recipients.${missing}`,
      `Member ${recipients[missing]} is not an active member of the tenant.`,
    );
  if (!custom) return;
  const unseen = recipients.findIndex((id) => !memberMaySee(custom, active.get(id)!));
  if (unseen >= 0)
    throw ValidationError.field(
      `body.recipients.${unseen}`,
      `Member ${recipients[unseen]} may not see custom report ${custom.id}: it is private to its owner (and admins).`,
    );
}

async function upcoming(
  schedule: Pick<ReportSchedule, 'rrule' | 'startsAt' | 'status'>,
  nowLocal: string,
): Promise<string | undefined> {
  if (schedule.status !== 'active') return undefined;
  return nextOccurrence(schedule.rrule, schedule.startsAt, nowLocal);
}

function savedEvent(schedule: ReportSchedule, previousOccurrence?: string) {
  return {
    scheduleId: schedule.id,
    status: schedule.status,
    timeZone: schedule.timeZone,
    ...(schedule.nextOccurrence ? { nextOccurrence: schedule.nextOccurrence } : {}),
    ...(previousOccurrence && previousOccurrence !== schedule.nextOccurrence ? { previousOccurrence } : {}),
  };
}

export async function createReportSchedule(
  ctx: TenantContext,
  input: ReportScheduleCreate,
): Promise<ReportSchedule> {
  await checkRule(input.rrule, input.startsAt);
  await checkReport(ctx, input.report);
  await checkRecipients(ctx, input.recipients, input.report);
  const timeZone = await timeZoneOf(ctx);
  const now = ctx.clock.now();
  const ownerId = ctx.actor.type === 'member' ? ctx.actor.memberId : input.recipients[0]!;
  const base = {
    id: newId(),
    name: input.name,
    report:
      input.report.type === 'standard'
        ? { type: 'standard' as const, report: input.report.report, parameters: input.report.parameters }
        : input.report,
    period: input.period,
    rrule: input.rrule,
    startsAt: input.startsAt,
    recipients: [...new Set(input.recipients)],
    status: 'active' as const,
    timeZone,
    ownerId,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  const next = await upcoming(base, localDateTime(now, timeZone));
  const schedule: ReportSchedule = { ...base, ...(next ? { nextOccurrence: next } : {}) };
  const uow = unitOfWork(ctx).put({
    ...reportKeys.schedule(ctx.tenantId, schedule.id),
    entity: 'ReportSchedule',
    ...schedule,
    GSI1PK: reportKeys.scheduleList(ctx.tenantId),
    GSI1SK: `${schedule.name.toLowerCase()}#${schedule.id}`,
  });
  uow.publish(ReportScheduleSaved, savedEvent(schedule));
  await uow.commit();
  return schedule;
}

export async function getReportSchedule(ctx: TenantContext, id: string): Promise<ReportSchedule> {
  const item = await getItem(ctx, reportKeys.schedule(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Report schedule', id);
  return toSchedule(item);
}

export async function listReportSchedules(
  ctx: TenantContext,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<ReportSchedule>> {
  return queryPage(
    ctx,
    { index: 'GSI1', partition: reportKeys.scheduleList(ctx.tenantId) },
    page,
    toSchedule,
  );
}

export async function updateReportSchedule(
  ctx: TenantContext,
  id: string,
  input: ReportScheduleUpdate,
  ifMatch?: number | 'any',
): Promise<ReportSchedule> {
  const current = await getReportSchedule(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: ReportSchedule = {
    ...current,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
  } as ReportSchedule;
  if (input.rrule !== undefined || input.startsAt !== undefined) await checkRule(next.rrule, next.startsAt);
  if (input.report) await checkReport(ctx, input.report);
  // Resumed (or given another report): the reason it was paused no longer holds.
  if (input.status === 'active' || input.report) delete next.pausedReason;
  if (input.recipients || input.report) await checkRecipients(ctx, next.recipients, next.report);
  const now = ctx.clock.now();
  const upcomingOccurrence = await upcoming(next, localDateTime(now, next.timeZone));
  if (upcomingOccurrence) next.nextOccurrence = upcomingOccurrence;
  else delete next.nextOccurrence;
  next.updatedAt = now.toISOString();
  next.version = current.version + 1;
  const { id: _id, createdAt: _c, version: _v, ...set } = next;
  const uow = unitOfWork(ctx).update(reportKeys.schedule(ctx.tenantId, id), {
    set: {
      ...set,
      nextOccurrence: next.nextOccurrence,
      pausedReason: next.pausedReason,
      GSI1SK: `${next.name.toLowerCase()}#${id}`,
    },
    ...whileVersion(current.version),
  });
  uow.publish(ReportScheduleSaved, savedEvent(next, current.nextOccurrence));
  await uow.commit();
  return next;
}

export async function deleteReportSchedule(ctx: TenantContext, id: string): Promise<void> {
  const current = await getReportSchedule(ctx, id);
  const uow = unitOfWork(ctx).delete(reportKeys.schedule(ctx.tenantId, id));
  uow.publish(ReportScheduleSaved, {
    scheduleId: id,
    status: 'deleted',
    timeZone: current.timeZone,
    ...(current.nextOccurrence ? { previousOccurrence: current.nextOccurrence } : {}),
  });
  await uow.commit();
}

export function mailingScheduleName(scheduleId: string, occurrence: string): string {
  return `${REPORT_MAILING_SCHEDULE}-${scheduleId}-${compactLocal(occurrence)}`;
}

/** Keeps the one-time schedule of the pending occurrence (the ReportScheduleSaved consumer). */
export async function moveMailingTimer(
  ctx: TenantContext,
  change: { scheduleId: string; nextOccurrence?: string; previousOccurrence?: string; timeZone: string },
): Promise<void> {
  await moveOccurrenceTimer(ctx, change, {
    name: (occurrence) => mailingScheduleName(change.scheduleId, occurrence),
    target: 'reports-mailer',
    schedule: REPORT_MAILING_SCHEDULE,
    payload: (occurrence) => ({ scheduleId: change.scheduleId, occurrence }),
    description: (occurrence) => `Occurrence ${occurrence} of report schedule ${change.scheduleId}`,
  });
}

/** Moves a schedule past an occurrence it has mailed; nothing if it changed meanwhile. */
export async function advanceSchedule(
  ctx: TenantContext,
  schedule: ReportSchedule,
  occurrence: string,
): Promise<void> {
  const following =
    schedule.status === 'active'
      ? await nextOccurrence(schedule.rrule, schedule.startsAt, occurrence)
      : undefined;
  const next: ReportSchedule = { ...schedule, lastSentOccurrence: occurrence };
  if (following) next.nextOccurrence = following;
  else delete next.nextOccurrence;
  const uow = unitOfWork(ctx).update(reportKeys.schedule(ctx.tenantId, schedule.id), {
    set: { lastSentOccurrence: occurrence, nextOccurrence: next.nextOccurrence },
    condition: (e) => `${e.name('nextOccurrence')} = ${e.value(occurrence)}`,
    onConditionFailed: () => new ScheduleMovedOn(),
  });
  uow.publish(ReportScheduleSaved, savedEvent(next, occurrence));
  await uow.commit().catch((error: unknown) => {
    if (!(error instanceof ScheduleMovedOn)) throw error;
  });
}

class ScheduleMovedOn extends Error {}

/**
 * Pauses a schedule that cannot mail `occurrence` (its custom report was deleted), saying why, so
 * that it neither fails on every delivery nor goes quiet unexplained; a member resumes it once it
 * names a report again.
 */
export async function pauseSchedule(
  ctx: TenantContext,
  schedule: ReportSchedule,
  occurrence: string,
  reason: string,
): Promise<void> {
  const next: ReportSchedule = { ...schedule, status: 'paused', pausedReason: reason };
  delete next.nextOccurrence;
  const uow = unitOfWork(ctx).update(reportKeys.schedule(ctx.tenantId, schedule.id), {
    set: { status: 'paused', pausedReason: reason },
    remove: ['nextOccurrence'],
    condition: (e) => `${e.name('nextOccurrence')} = ${e.value(occurrence)}`,
    onConditionFailed: () => new ScheduleMovedOn(),
  });
  uow.publish(ReportScheduleSaved, savedEvent(next, occurrence));
  await uow.commit().catch((error: unknown) => {
    if (!(error instanceof ScheduleMovedOn)) throw error;
  });
}

/** The local days a mailing of `occurrence` covers, and the grain it shows them by. */
export function mailingPeriod(
  period: (typeof SCHEDULE_PERIODS)[number],
  occurrence: string,
): { from: string; to: string; grain: Grain } {
  const day = occurrence.slice(0, 10);
  const before = (grain: Grain) => {
    const current = truncate(day, grain);
    return { from: addGrain(current, grain, -1), to: addDays(current, -1) };
  };
  switch (period) {
    case 'previous-week':
      return { ...before('week'), grain: 'day' };
    case 'previous-month':
      return { ...before('month'), grain: 'week' };
    case 'previous-quarter':
      return { ...before('quarter'), grain: 'month' };
    case 'previous-year':
      return { ...before('year'), grain: 'month' };
    case 'last-7-days':
      return { from: addDays(day, -7), to: addDays(day, -1), grain: 'day' };
    case 'last-30-days':
      return { from: addDays(day, -30), to: addDays(day, -1), grain: 'day' };
    case 'year-to-date': {
      const start = truncate(addDays(day, -1), 'year');
      return { from: start, to: addDays(day, -1), grain: 'month' };
    }
  }
}
