import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * Rules are few per tenant (GSI1 lists them); GSI2 finds the enabled rules a trigger starts
 * (`AUTOMATION-ON#<event type>`, or `@inactivity` / `@schedule`), GSI3 the delay rules an event
 * cancels. Timers live in one partition per (rule, correlated record), runs in one per rule.
 * See docs/data-model.md (Automation).
 */
export const INACTIVITY_KEY = '@inactivity';
export const SCHEDULE_KEY = '@schedule';

export const automationKeys = {
  rule: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'AUTOMATION-RULE', id), SK: 'RULE' }),
  inactivityCursor: (t: TenantId, id: string) => ({
    PK: tenantKey(t, 'AUTOMATION-RULE', id),
    SK: 'INACTIVITY-CURSOR',
  }),
  rules: (t: TenantId) => tenantKey(t, 'AUTOMATION-RULES'),
  startedBy: (t: TenantId, trigger: string) => tenantKey(t, 'AUTOMATION-ON', trigger),
  cancelledBy: (t: TenantId, eventType: string) => tenantKey(t, 'AUTOMATION-CANCEL', eventType),
  /** GSI1 of timers and cancel marks: a rule's timer partitions (what the tenant registry pages). */
  timersOf: (t: TenantId, ruleId: string) => tenantKey(t, 'AUTOMATION-TIMERS-OF', ruleId),
  timers: (t: TenantId, ruleId: string, correlation: string) =>
    tenantKey(t, 'AUTOMATION-TIMERS', ruleId, correlation),
  timer: (t: TenantId, ruleId: string, correlation: string, eventId: string) => ({
    PK: tenantKey(t, 'AUTOMATION-TIMERS', ruleId, correlation),
    SK: `TIMER#${eventId}`,
  }),
  /** The latest cancelling event seen for a (rule, record): checked when a timer starts or fires. */
  cancelMark: (t: TenantId, ruleId: string, correlation: string) => ({
    PK: tenantKey(t, 'AUTOMATION-TIMERS', ruleId, correlation),
    SK: 'CANCELLED',
  }),
  runs: (t: TenantId, ruleId: string) => tenantKey(t, 'AUTOMATION-RUNS', ruleId),
  run: (t: TenantId, ruleId: string, runId: string) => ({
    PK: tenantKey(t, 'AUTOMATION-RUNS', ruleId),
    SK: `RUN#${runId}`,
  }),
  occurrence: (t: TenantId, ruleId: string, occurrence: string) => ({
    PK: tenantKey(t, 'AUTOMATION-OCCURRENCE', ruleId, occurrence),
    SK: 'GUARD',
  }),
  mail: (t: TenantId, runId: string, action: number) => ({
    PK: tenantKey(t, 'AUTOMATION-MAIL', runId, action),
    SK: 'GUARD',
  }),
  roundRobin: (t: TenantId, team: string) => ({
    PK: tenantKey(t, 'AUTOMATION-ROUND-ROBIN', team.trim().toLowerCase()),
    SK: 'CURSOR',
  }),
  /** Sales keeps each contact's last purchase date in the contact's partition and on GSI5. */
  purchaseSummary: (t: TenantId, contactId: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: 'PURCHASE-SUMMARY',
  }),
  lastPurchase: (t: TenantId) => tenantKey(t, 'LAST-PURCHASE'),
};
