import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

/**
 * Automation's own events. They are not triggers for rules (a rule reacting to rules would loop);
 * the engine uses them to keep the schedules of schedule-triggered rules in step.
 */
export const AutomationRuleSaved = defineEvent(
  'automation',
  'AutomationRuleSaved',
  'An automation rule was created, changed, enabled, disabled, deleted or moved to its next scheduled occurrence.',
  lazy(() =>
    z.object({
      ruleId: z.string(),
      triggerType: z.string(),
      enabled: z.boolean(),
      /** For schedule-triggered rules: the next occurrence (tenant time zone), if any. */
      nextOccurrence: z.optional(z.string()),
      /** The occurrence pending before this change, whose schedule is now stale. */
      previousOccurrence: z.optional(z.string()),
      timeZone: z.string(),
    }),
  ),
);
