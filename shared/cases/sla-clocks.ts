import { addBusinessMinutes, type BusinessHours, businessMillisBetween } from './business-hours.ts';
import type { CasePriority, CaseStatus } from './schema.ts';

/**
 * SLA clocks as pure functions of a case's life (docs/contact-centre.md, SLAs). Three clocks per
 * case, each in business time:
 *
 * - `firstResponse` from the opening to the first public reply (or outbound call);
 * - `nextResponse` from each customer message after that to the next public reply;
 * - `resolution` from the opening to `solved`.
 *
 * `pending` (waiting on the customer) and `solved` pause every running clock; the customer's
 * answer (the case back to `open`) resumes them with the business time they had left. `closed`
 * stops them. A clock records its warning and breach at their instants, so however late a timer
 * fires, the case says when the target was actually missed; a clock that ended (met, paused,
 * stopped) after its target is still flagged, since it missed it.
 */
export const SLA_METRICS = ['firstResponse', 'nextResponse', 'resolution'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];
/** The metric's name in events and the warehouse. */
export const METRIC_NAME = {
  firstResponse: 'first_response',
  nextResponse: 'next_response',
  resolution: 'resolution',
} as const satisfies Record<SlaMetric, string>;

export type SlaTargets = Record<CasePriority, Record<SlaMetric, number>>;

/**
 * Business minutes per priority when the tenant set none (a business day is 8 hours): the
 * customer hears back within a day at normal priority, and is helped within a week.
 */
export const DEFAULT_SLA_TARGETS: SlaTargets = {
  urgent: { firstResponse: 60, nextResponse: 120, resolution: 480 },
  high: { firstResponse: 240, nextResponse: 240, resolution: 960 },
  normal: { firstResponse: 480, nextResponse: 480, resolution: 2400 },
  low: { firstResponse: 1440, nextResponse: 1440, resolution: 4800 },
};
export const WARN_FRACTION = 0.8;

/** What a case's timers run by: the SLA policy, and when a solved case closes. */
export interface SlaEnvironment {
  hours: BusinessHours;
  targets: SlaTargets;
  closeSolvedAfterDays: number;
}

/** Solved cases close after four days unless the tenant says otherwise. */
export const DEFAULT_CLOSE_SOLVED_AFTER_DAYS = 4;

/**
 * When a case whose status moves from `from` to `to` at `at` closes by itself: set on solving,
 * kept while solved, gone once it is not solved any more.
 */
export function closesAtAfter(
  current: { status: CaseStatus; closesAt?: string | undefined },
  to: CaseStatus,
  at: Date,
  env: SlaEnvironment,
): string | undefined {
  if (to !== 'solved') return undefined;
  if (current.status === 'solved' && current.closesAt) return current.closesAt;
  return new Date(at.getTime() + env.closeSolvedAfterDays * 86_400_000).toISOString();
}

export interface SlaClock {
  startedAt: string;
  /** The target it started with: later changes of the policy or the priority do not move it. */
  targetMinutes: number;
  warnAt: string;
  dueAt: string;
  warnedAt?: string;
  breachedAt?: string;
  /** Paused since (pending or solved); `warnAt` and `dueAt` move on by the pause when it resumes. */
  pausedAt?: string;
  /** The target was reached (a reply, or solved for the resolution). */
  metAt?: string;
  /** The case closed before the target was reached. */
  stoppedAt?: string;
}
export type SlaClocks = Partial<Record<SlaMetric, SlaClock>>;

const PAUSING: ReadonlySet<CaseStatus> = new Set(['pending', 'solved']);
const ms = (iso: string) => Date.parse(iso);

function newClock(at: Date, minutes: number, hours: BusinessHours): SlaClock {
  return {
    startedAt: at.toISOString(),
    targetMinutes: minutes,
    warnAt: addBusinessMinutes(at, minutes * WARN_FRACTION, hours).toISOString(),
    dueAt: addBusinessMinutes(at, minutes, hours).toISOString(),
  };
}

/** Neither met nor stopped: a reply or a status still moves it. */
const isActive = (clock: SlaClock | undefined): clock is SlaClock =>
  clock !== undefined && !clock.metAt && !clock.stoppedAt;

/** The clocks of a case opened at `at`: first response and resolution. */
export function openingClocks(at: Date, priority: CasePriority, env: SlaEnvironment): SlaClocks {
  const targets = env.targets[priority];
  return {
    firstResponse: newClock(at, targets.firstResponse, env.hours),
    resolution: newClock(at, targets.resolution, env.hours),
  };
}

/** An agent answered the customer (a public reply or an outbound call): responses are met. */
export function agentResponded(clocks: SlaClocks, at: Date): SlaClocks {
  const next = { ...clocks };
  for (const metric of ['firstResponse', 'nextResponse'] as const) {
    const clock = next[metric];
    if (isActive(clock)) next[metric] = { ...clock, metAt: at.toISOString() };
  }
  return next;
}

/**
 * The customer wrote (after the status moved: a pending or solved case is open again). Once the
 * case has had its first response, a next-response clock starts, unless one is already running.
 */
export function customerWrote(
  clocks: SlaClocks,
  at: Date,
  priority: CasePriority,
  env: SlaEnvironment,
  answeredBefore: boolean,
): SlaClocks {
  if (!answeredBefore || isActive(clocks.nextResponse)) return clocks;
  return { ...clocks, nextResponse: newClock(at, env.targets[priority].nextResponse, env.hours) };
}

/** The case's status moved from `from` to `to` at `at`: pause, resume, meet or stop the clocks. */
export function statusMoved(
  clocks: SlaClocks,
  from: CaseStatus,
  to: CaseStatus,
  at: Date,
  hours: BusinessHours,
): SlaClocks {
  if (from === to) return clocks;
  const now = at.toISOString();
  const next: SlaClocks = {};
  for (const metric of SLA_METRICS) {
    let clock = clocks[metric];
    if (!clock) continue;
    if (from === 'solved' && metric === 'resolution' && clock.metAt && !clock.stoppedAt && to !== 'closed') {
      // Reopened: the resolution was not reached after all; the time solved was a pause.
      const { metAt: _met, ...rest } = clock;
      clock = rest;
    }
    if (isActive(clock)) {
      if (to === 'closed') clock = { ...clock, stoppedAt: now };
      else if (PAUSING.has(to) && !clock.pausedAt) clock = { ...clock, pausedAt: now };
      else if (!PAUSING.has(to) && clock.pausedAt) clock = resumed(clock, at, hours);
      if (to === 'solved' && metric === 'resolution') clock = { ...clock, metAt: now };
    }
    next[metric] = clock;
  }
  return next;
}

/** A paused clock runs again: its instants move on by the business time it was paused. */
function resumed(clock: SlaClock, at: Date, hours: BusinessHours): SlaClock {
  const { pausedAt, ...rest } = clock;
  const paused = new Date(pausedAt!);
  // Missed before it paused: the breach is a fact, nothing to move.
  if (ms(rest.dueAt) <= paused.getTime()) return rest;
  const later = (instant: string) =>
    addBusinessMinutes(
      at,
      businessMillisBetween(paused, new Date(instant), hours) / 60_000,
      hours,
    ).toISOString();
  return {
    ...rest,
    dueAt: later(rest.dueAt),
    warnAt: rest.warnedAt || ms(rest.warnAt) <= paused.getTime() ? rest.warnAt : later(rest.warnAt),
  };
}

/** When the clock stopped counting toward its instants (met, paused or stopped), if it did. */
function endOf(clock: SlaClock): number {
  return Math.min(
    ...[clock.metAt, clock.pausedAt, clock.stoppedAt].map((t) => (t ? ms(t) : Number.POSITIVE_INFINITY)),
  );
}

export interface SlaStage {
  metric: SlaMetric;
  stage: 'warning' | 'breach';
}

/** The warnings and breaches due by `now` and not yet recorded (a breach supersedes its warning). */
export function dueStages(clocks: SlaClocks, now: Date): SlaStage[] {
  const stages: SlaStage[] = [];
  for (const metric of SLA_METRICS) {
    const clock = clocks[metric];
    if (!clock || clock.breachedAt) continue;
    const end = endOf(clock);
    if (ms(clock.dueAt) <= now.getTime() && ms(clock.dueAt) < end) stages.push({ metric, stage: 'breach' });
    else if (!clock.warnedAt && ms(clock.warnAt) <= now.getTime() && ms(clock.warnAt) < end)
      stages.push({ metric, stage: 'warning' });
  }
  return stages;
}

/** The clocks with `stages` recorded at their instants. */
export function recordStages(clocks: SlaClocks, stages: SlaStage[]): SlaClocks {
  const next = { ...clocks };
  for (const { metric, stage } of stages) {
    const clock = next[metric]!;
    next[metric] =
      stage === 'warning'
        ? { ...clock, warnedAt: clock.warnAt }
        : { ...clock, warnedAt: clock.warnedAt ?? clock.warnAt, breachedAt: clock.dueAt };
  }
  return next;
}

/** The next instant a timer must fire at: the earliest warning or breach not yet recorded. */
export function nextInstant(clocks: SlaClocks): string | undefined {
  let earliest: number | undefined;
  for (const metric of SLA_METRICS) {
    const clock = clocks[metric];
    if (!clock || clock.breachedAt) continue;
    const end = endOf(clock);
    const at = clock.warnedAt ? ms(clock.dueAt) : ms(clock.warnAt);
    const candidate = at < end ? at : ms(clock.dueAt) < end ? ms(clock.dueAt) : undefined;
    if (candidate !== undefined && (earliest === undefined || candidate < earliest)) earliest = candidate;
  }
  return earliest === undefined ? undefined : new Date(earliest).toISOString();
}

/**
 * The targets reached in time by a change from `before` to `after` (met now, before their instant
 * and never breached). The resolution counts on the case's first solution only: a reopened case
 * solved again is the same request.
 */
export function metInTime(before: SlaClocks, after: SlaClocks, solvedBefore: boolean): SlaMetric[] {
  return SLA_METRICS.filter((metric) => {
    const [was, is] = [before[metric], after[metric]];
    if (!is?.metAt || was?.metAt || is.breachedAt || ms(is.metAt) >= ms(is.dueAt)) return false;
    return metric !== 'resolution' || !solvedBefore;
  });
}
