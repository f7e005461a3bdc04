import * as z from 'zod/mini';
import { enqueueFirings, fireScheduledRule, SCHEDULE_TRIGGER } from '../../shared/automation/engine.ts';
import { runInactivityRules } from '../../shared/automation/inactivity.ts';
import { fireTimer, TIMER_SCHEDULE } from '../../shared/automation/timers.ts';
import { jobHandler } from '../../shared/platform/handlers.ts';
import { lazy } from '../../shared/platform/lazy.ts';

export const DAILY_SCHEDULE = 'automation-daily';

const TimerKey = lazy(() => z.object({ ruleId: z.string(), correlation: z.string(), eventId: z.string() }));
const Occurrence = lazy(() => z.object({ ruleId: z.string(), occurrence: z.string() }));

/** Automation's scheduled work: delays ending, schedule-triggered rules, inactive customers. */
export const handler = jobHandler('automation-jobs', async ({ input, ctx, clock }) => {
  if (!ctx) throw new Error(`${input.schedule} runs per tenant but names no tenant.`);
  switch (input.schedule) {
    case TIMER_SCHEDULE: {
      const firing = await fireTimer(ctx, TimerKey.parse(input.payload));
      if (firing) await enqueueFirings([firing]);
      return { fired: Boolean(firing) };
    }
    case SCHEDULE_TRIGGER: {
      const { ruleId, occurrence } = Occurrence.parse(input.payload);
      return { fired: await fireScheduledRule(ctx, ruleId, occurrence) };
    }
    case DAILY_SCHEDULE:
      return { inactivity: await runInactivityRules(ctx, clock.now()) };
    default:
      throw new Error(`automation-jobs does not run ${input.schedule}.`);
  }
});
