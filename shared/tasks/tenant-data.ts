import type { tenantKey } from '../platform/db/keys.ts';
import { registerExpiringTenantData, registerTenantData } from '../platform/tenant-data.ts';
import { taskKeys } from './keys.ts';

/**
 * Tasks are listed by assignee (the members' partitions and `unassigned`); a task's link items are
 * keyed by what it names. Reminder and digest guards expire after 90 days.
 */
const linksOf = (item: Record<string, unknown>, t: Parameters<typeof tenantKey>[0]) =>
  item.entity === 'Task' && Array.isArray(item.links)
    ? (item.links as Array<{ type: string; id: string }>).map((link) =>
        taskKeys.link(t, link.type, link.id, String(item.id)),
      )
    : [];

registerTenantData('tasks', [
  {
    name: 'tasks-of-members',
    list: { partition: ['MEMBERS'], beginsWith: 'MEMBER#' },
    throughOthers: true,
    related: (item, t) => ({
      keys: linksOf(item, t),
      listings: item.entity === 'Member' ? [{ index: 'GSI1', partition: ['TASKS-OF', String(item.id)] }] : [],
    }),
  },
  {
    name: 'unassigned-tasks',
    list: { index: 'GSI1', partition: ['TASKS-OF', 'unassigned'] },
    related: (item, t) => ({ keys: linksOf(item, t) }),
  },
  { name: 'task-occurrences', list: { index: 'GSI1', partition: ['TASK-OCCURRENCES'] } },
  { name: 'task-counts', list: { partition: ['TASK-COUNTS'] } },
  { name: 'recurring-tasks', list: { index: 'GSI1', partition: ['RECURRING-TASKS'] } },
]);

registerExpiringTenantData([
  { partition: 'TASK-REMINDER', days: 90 },
  { partition: 'TASK-DIGEST', days: 90 },
]);
