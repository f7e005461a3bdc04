import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/** Counter items are spread over this many shards so concurrent task changes rarely collide. */
export const COUNTER_SHARDS = 8;

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
  /** GSI1 of the occurrence guards: every one the tenant has. */
  occurrences: (t: TenantId) => tenantKey(t, 'TASK-OCCURRENCES'),
  byAssignee: (t: TenantId, assigneeId: string | undefined) =>
    tenantKey(t, 'TASKS-OF', assigneeId ?? 'unassigned'),
  /** Far-future sort for tasks without a due time, so they list after dated ones. */
  assigneeSort: (status: string, dueAt: string | undefined, id: string) =>
    `${status}#${dueAt ?? '9999'}#${id}`,
  /** One partition per linked record (a contact, a quote...): the tasks about it. */
  byLink: (t: TenantId, type: string, id: string) => tenantKey(t, 'TASK-LINK', type, id),
  link: (t: TenantId, type: string, id: string, taskId: string) => ({
    PK: tenantKey(t, 'TASK-LINK', type, id),
    SK: `TASK#${taskId}`,
  }),
  /** Task counts per assignee and status, in one small partition per tenant (summary). */
  counters: (t: TenantId) => tenantKey(t, 'TASK-COUNTS'),
  counter: (t: TenantId, assigneeId: string | undefined, status: string, shard: number) => ({
    PK: tenantKey(t, 'TASK-COUNTS'),
    SK: `COUNT#${assigneeId ?? 'unassigned'}#${status}#${shard}`,
  }),
  /** At most one reminder mail per task and reminder moment. */
  reminderSent: (t: TenantId, taskId: string, remindAt: string) => ({
    PK: tenantKey(t, 'TASK-REMINDER', taskId, remindAt),
    SK: 'GUARD',
  }),
  /** At most one overdue digest per member and local day. */
  digestSent: (t: TenantId, memberId: string, date: string) => ({
    PK: tenantKey(t, 'TASK-DIGEST', memberId, date),
    SK: 'GUARD',
  }),
  recurring: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'RECURRING-TASK', id), SK: 'RECURRING' }),
  /** The tenant's recurring tasks: a small set (duties, not records). */
  recurringList: (t: TenantId) => tenantKey(t, 'RECURRING-TASKS'),
};
