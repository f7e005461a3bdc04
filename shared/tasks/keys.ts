import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * One partition per task; GSI1 lists an assignee's tasks by status and due time. A task the CRM
 * creates for an occurrence (a dunning level, a rule firing) has a guard item keyed by that
 * occurrence, so redelivery cannot create it twice. See docs/data-model.md (Tasks).
 */
export const taskKeys = {
  task: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'TASK', id), SK: 'TASK' }),
  occurrence: (t: TenantId, occurrence: string) => ({
    PK: tenantKey(t, 'TASK-OCCURRENCE', occurrence),
    SK: 'GUARD',
  }),
  byAssignee: (t: TenantId, assigneeId: string | undefined) =>
    tenantKey(t, 'TASKS-OF', assigneeId ?? 'unassigned'),
  /** Far-future sort for tasks without a due time, so they list after dated ones. */
  assigneeSort: (status: string, dueAt: string | undefined, id: string) =>
    `${status}#${dueAt ?? '9999'}#${id}`,
};
