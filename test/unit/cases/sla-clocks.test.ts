import { describe, expect, it } from 'vitest';
import { DEFAULT_WEEK } from '../../../shared/cases/business-hours.ts';
import {
  agentResponded,
  customerWrote,
  DEFAULT_SLA_TARGETS,
  dueStages,
  nextInstant,
  openingClocks,
  recordStages,
  type SlaEnvironment,
  statusMoved,
} from '../../../shared/cases/sla-clocks.ts';

/** UTC all year, 9 to 5 on weekdays; 2026-03-09 is a Monday. */
const env: SlaEnvironment = {
  hours: { timeZone: 'UTC', week: DEFAULT_WEEK, holidays: [] },
  targets: { ...DEFAULT_SLA_TARGETS, normal: { firstResponse: 60, nextResponse: 120, resolution: 240 } },
  closeSolvedAfterDays: 4,
};
const at = (time: string, day = '2026-03-09') => new Date(`${day}T${time}:00.000Z`);
const iso = (time: string, day = '2026-03-09') => at(time, day).toISOString();

describe('SLA clocks of a case', () => {
  it('opens with a first-response and a resolution clock, in business time', () => {
    const clocks = openingClocks(at('09:00'), 'normal', env);
    expect(clocks.firstResponse).toMatchObject({
      targetMinutes: 60,
      warnAt: iso('09:48'),
      dueAt: iso('10:00'),
    });
    expect(clocks.resolution).toMatchObject({ targetMinutes: 240, dueAt: iso('13:00') });
    expect(clocks.nextResponse).toBeUndefined();
    expect(nextInstant(clocks)).toBe(iso('09:48'));
  });

  it('pauses while pending and resumes with the business time that was left', () => {
    let clocks = openingClocks(at('09:00'), 'normal', env);
    clocks = statusMoved(agentResponded(clocks, at('09:30')), 'open', 'pending', at('09:30'), env.hours);
    expect(clocks.firstResponse?.metAt).toBe(iso('09:30'));
    expect(clocks.resolution?.pausedAt).toBe(iso('09:30'));
    // Nothing falls due while the customer is away, even past the original target.
    expect(dueStages(clocks, at('15:00'))).toEqual([]);
    expect(nextInstant(clocks)).toBeUndefined();
    // 210 minutes were left: from 15:00, 2 hours today and 1.5 hours tomorrow.
    clocks = statusMoved(clocks, 'pending', 'open', at('15:00'), env.hours);
    expect(clocks.resolution?.pausedAt).toBeUndefined();
    expect(clocks.resolution?.dueAt).toBe(iso('10:30', '2026-03-10'));
    expect(clocks.resolution?.warnAt).toBe(iso('09:42', '2026-03-10'));
  });

  it("starts a next-response clock on the customer's message once the case was answered", () => {
    let clocks = openingClocks(at('09:00'), 'normal', env);
    expect(customerWrote(clocks, at('09:10'), 'normal', env, false).nextResponse).toBeUndefined();
    clocks = agentResponded(clocks, at('09:30'));
    clocks = customerWrote(clocks, at('10:00'), 'normal', env, true);
    expect(clocks.nextResponse).toMatchObject({ startedAt: iso('10:00'), dueAt: iso('12:00') });
    // A second message before the reply does not restart it.
    expect(customerWrote(clocks, at('11:00'), 'normal', env, true).nextResponse?.dueAt).toBe(iso('12:00'));
    const answered = agentResponded(clocks, at('11:30'));
    expect(answered.nextResponse?.metAt).toBe(iso('11:30'));
    expect(dueStages(answered, at('12:30')).map((s) => s.metric)).not.toContain('nextResponse');
  });

  it('flags a breach at its instant, once, and a late reply does not erase it', () => {
    const clocks = agentResponded(openingClocks(at('09:00'), 'normal', env), at('10:20'));
    // The reply came after the target, before any timer ran: still a breach, at 10:00.
    expect(dueStages(clocks, at('10:30'))).toEqual([{ metric: 'firstResponse', stage: 'breach' }]);
    const recorded = recordStages(clocks, dueStages(clocks, at('10:30')));
    expect(recorded.firstResponse).toMatchObject({ breachedAt: iso('10:00'), warnedAt: iso('09:48') });
    expect(dueStages(recorded, at('10:31'))).toEqual([]);
  });

  it('counts the time solved as a pause, and a reopened case has its resolution running again', () => {
    let clocks = agentResponded(openingClocks(at('09:00'), 'normal', env), at('09:10'));
    clocks = statusMoved(clocks, 'open', 'solved', at('10:00'), env.hours);
    expect(clocks.resolution).toMatchObject({ metAt: iso('10:00'), pausedAt: iso('10:00') });
    clocks = statusMoved(clocks, 'solved', 'open', at('11:00'), env.hours);
    expect(clocks.resolution?.metAt).toBeUndefined();
    expect(clocks.resolution?.dueAt).toBe(iso('14:00'));
  });

  it('stops every clock still running when the case closes', () => {
    const clocks = statusMoved(
      openingClocks(at('09:00'), 'normal', env),
      'open',
      'closed',
      at('09:05'),
      env.hours,
    );
    expect(clocks.firstResponse?.stoppedAt).toBe(iso('09:05'));
    expect(nextInstant(clocks)).toBeUndefined();
    expect(dueStages(clocks, at('17:00'))).toEqual([]);
  });
});
