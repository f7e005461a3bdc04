import { AutomationRuleSaved } from '../../events/automation.ts';
import { conditionsHold } from '../../events/conditions.ts';
import { EventEnvelope } from '../../events/define.ts';
import { sendMessages } from '../platform/aws/queues.ts';
import type { TenantContext } from '../platform/context.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { localDate } from '../platform/time.ts';
import { compactLocal, occurrenceInstant } from '../tasks/local-time.ts';
import { moveOccurrenceTimer } from '../tasks/one-time.ts';
import { getTenant } from '../tenancy/records.ts';
import { advanceSchedule, getRule, rulesCancelledBy, rulesStartedBy } from './rules.ts';
import type { AutomationRule, Firing } from './schema.ts';
import { cancelTimers, startTimer } from './timers.ts';

/**
 * The automation engine. One EventBridge rule brings it every domain event; the tenant's rules
 * are data found by (tenant, event type) with one key query per index, never one EventBridge rule
 * per tenant rule. Matching rules become firings on the firings queue (the worker runs their
 * actions, once per occurrence) or timers (delays); cancelling events cancel timers.
 */
export const FIRINGS_QUEUE = 'automation-firings';
export const SCHEDULE_TRIGGER = 'automation-schedule';

type Detail = Record<string, unknown> & { eventId: string; occurredAt: string; tenantId: string };

export async function enqueueFirings(firings: Firing[]): Promise<void> {
  if (firings.length) await sendMessages(FIRINGS_QUEUE, firings as unknown as Array<Record<string, unknown>>);
}

/** The payload fields of a detail (the envelope's eventId, tenantId and occurredAt left out). */
function payloadOf(detail: Detail): Record<string, unknown> {
  const envelope = new Set(Object.keys(EventEnvelope.shape));
  return Object.fromEntries(Object.entries(detail).filter(([name]) => !envelope.has(name)));
}

export async function handleEvent(ctx: TenantContext, type: string, detail: Detail): Promise<void> {
  if (type === AutomationRuleSaved.type) {
    await scheduleRuleOccurrence(ctx, AutomationRuleSaved.payload.parse(detail));
    return;
  }
  const [starting, cancelling] = await Promise.all([rulesStartedBy(ctx, type), rulesCancelledBy(ctx, type)]);
  for (const rule of cancelling) await cancelTimers(ctx, rule, detail);
  const fields = payloadOf(detail);
  const firings: Firing[] = [];
  for (const rule of starting) {
    if (rule.trigger.type !== 'event' && rule.trigger.type !== 'delay') continue;
    if (!conditionsHold(rule.trigger.conditions, fields)) continue;
    if (rule.trigger.type === 'delay') {
      await startTimer(ctx, rule, type, detail, fields);
      continue;
    }
    firings.push({
      tenantId: ctx.tenantId,
      ruleId: rule.id,
      occurrence: `event#${detail.eventId}`,
      trigger: {
        type: 'event',
        at: detail.occurredAt,
        eventType: type,
        eventId: detail.eventId,
        ...(typeof fields.contactId === 'string' ? { contactId: fields.contactId } : {}),
        fields,
      },
    });
  }
  await enqueueFirings(firings);
}

export function scheduleTriggerName(ruleId: string, occurrence: string): string {
  return `${SCHEDULE_TRIGGER}-${ruleId}-${compactLocal(occurrence)}`;
}

/** Keeps the one-time schedule of a schedule-triggered rule's next occurrence. */
async function scheduleRuleOccurrence(
  ctx: TenantContext,
  change: { ruleId: string; nextOccurrence?: string; previousOccurrence?: string; timeZone: string },
): Promise<void> {
  await moveOccurrenceTimer(ctx, change, {
    name: (occurrence) => scheduleTriggerName(change.ruleId, occurrence),
    target: 'automation-jobs',
    schedule: SCHEDULE_TRIGGER,
    payload: (occurrence) => ({ ruleId: change.ruleId, occurrence }),
    description: (occurrence) => `Occurrence ${occurrence} of automation rule ${change.ruleId}`,
  });
}

/** A schedule-triggered rule's occurrence came: hand over its firing and move to the next one. */
export async function fireScheduledRule(
  ctx: TenantContext,
  ruleId: string,
  occurrence: string,
): Promise<boolean> {
  const rule: AutomationRule | undefined = await getRule(ctx, ruleId).catch(absentIfNotFound);
  if (!rule?.enabled || rule.trigger.type !== 'schedule' || rule.nextOccurrence !== occurrence) return false;
  const tenant = await getTenant(ctx);
  const at = occurrenceInstant(occurrence, tenant.timeZone);
  await enqueueFirings([
    {
      tenantId: ctx.tenantId,
      ruleId,
      occurrence: `schedule#${occurrence}`,
      trigger: {
        type: 'schedule',
        at: at.toISOString(),
        fields: { occurrence, date: localDate(at, tenant.timeZone) },
      },
    },
  ]);
  await advanceSchedule(ctx, rule, occurrence);
  return true;
}
