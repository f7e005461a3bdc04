import { registerTenantData } from '../platform/tenant-data.ts';
import { automationKeys } from './keys.ts';

/**
 * A rule's partition, its runs' partition and, from each run, its occurrence guard and the guards
 * of the mails its actions sent; its timers' partitions (one per rule and record), listed per rule.
 * Round-robin cursors are keyed by team name, listed nowhere: a rule's actions name the teams.
 */
registerTenantData('automation', [
  {
    name: 'automation-rules',
    list: { index: 'GSI1', partition: ['AUTOMATION-RULES'] },
    related: (item, t) => {
      if (item.entity === 'AutomationRule')
        return {
          keys: teamsNamedIn(item).map((team) => automationKeys.roundRobin(t, team)),
          listings: [
            { partition: ['AUTOMATION-RUNS', String(item.id)] },
            { index: 'GSI1', partition: ['AUTOMATION-TIMERS-OF', String(item.id)] },
          ],
        };
      if (item.entity !== 'AutomationRun') return {};
      const actions = Array.isArray(item.actions) ? item.actions.length : 0;
      return {
        keys: [
          automationKeys.occurrence(t, String(item.ruleId), String(item.occurrence)),
          ...Array.from({ length: actions }, (_, action) => automationKeys.mail(t, String(item.id), action)),
        ],
      };
    },
  },
]);

/** The teams a rule assigns to, wherever in its actions they are named. */
function teamsNamedIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(teamsNamedIn);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const own = record.type === 'team' && typeof record.team === 'string' ? [record.team] : [];
  return [...own, ...Object.values(record).flatMap(teamsNamedIn)];
}
