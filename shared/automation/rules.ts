import { AutomationRuleSaved } from '../../events/automation.ts';
import { checkConditions, eventFields } from '../../events/conditions.ts';
import { listKeys } from '../marketing/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  getItems,
  type Page,
  queryAll,
  queryPage,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  type FieldIssue,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { checkTemplate } from '../platform/merge-fields.ts';
import {
  localDateTime,
  nextOccurrence,
  normalizeRule,
  occurrenceInstant,
  parseRecurrence,
  RecurrenceError,
} from '../tasks/recurrence.ts';
import { allMembers } from '../tasks/summary.ts';
import { getTenant } from '../tenancy/records.ts';
import {
  mergeFieldsFor,
  triggerableEvent,
  triggerableEventTypes,
  triggerHasContact,
  triggerHasOwnerField,
} from './catalog.ts';
import { automationKeys, INACTIVITY_KEY, SCHEDULE_KEY } from './keys.ts';
import type {
  AutomationRule,
  AutomationRuleCreate,
  AutomationRuleFromTemplate,
  AutomationRuleUpdate,
  AutomationTrigger,
  TemplateId,
} from './schema.ts';
import { templateOf } from './templates.ts';

const toRule = (item: Record<string, unknown>) => withoutKeys<AutomationRule>(item);

/** Everything wrong with a rule's meaning: events, fields, merge fields, assignees. */
async function problemsOf(
  ctx: TenantContext,
  rule: Pick<AutomationRule, 'trigger' | 'actions'>,
): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const { trigger } = rule;
  const known = () => triggerableEventTypes().join(', ');
  if (trigger.type === 'event' || trigger.type === 'delay') {
    const event = triggerableEvent(trigger.event);
    if (!event) {
      issues.push({
        path: 'body.trigger.event',
        message: `Unknown event type ${trigger.event}; known: ${known()}.`,
      });
      return issues;
    }
    issues.push(...checkConditions(event, trigger.conditions, 'body.trigger.conditions'));
    if (trigger.type === 'delay') {
      const { amount, unit, setting } = trigger.delay;
      if (setting ? amount !== undefined || unit !== undefined : amount === undefined || unit === undefined)
        issues.push({
          path: 'body.trigger.delay',
          message: 'Give either amount and unit, or setting (a tenant setting in days).',
        });
      if (trigger.unless) {
        const cancel = triggerableEvent(trigger.unless.event);
        if (!cancel)
          issues.push({
            path: 'body.trigger.unless.event',
            message: `Unknown event type ${trigger.unless.event}; known: ${known()}.`,
          });
        else if (cancel.type === event.type)
          issues.push({
            path: 'body.trigger.unless.event',
            message: 'A delay cannot be cancelled by its own event.',
          });
        else {
          const { match } = trigger.unless;
          for (const [name, fields] of [
            [event.type, eventFields(event)],
            [cancel.type, eventFields(cancel)],
          ] as const) {
            if (fields.get(match)?.kind !== 'string')
              issues.push({
                path: 'body.trigger.unless.match',
                message: `${name} has no field ${match} naming a record.`,
              });
          }
        }
      }
    }
  } else if (trigger.type === 'schedule') {
    try {
      await parseRecurrence(trigger.rrule, trigger.startsAt);
    } catch (error) {
      if (!(error instanceof RecurrenceError)) throw error;
      issues.push({ path: 'body.trigger.rrule', message: error.message });
    }
  }
  const fields = mergeFieldsFor(trigger);
  const hasContact = triggerHasContact(trigger);
  const members = await allMembers(ctx);
  const active = (id: string) => members.get(id)?.status === 'active';
  rule.actions.forEach((action, i) => {
    const at = `body.actions.${i}`;
    const check = (name: string, template: string | undefined) => {
      for (const problem of template ? checkTemplate(template, fields) : [])
        issues.push({ path: `${at}.${name}`, message: problem.message });
    };
    if (action.type !== 'create_task' && !hasContact)
      issues.push({
        path: `${at}.type`,
        message: `${describe(trigger)} brings no contact to ${CONTACT_VERBS[action.type]}.`,
      });
    if (action.type === 'send_email') {
      check('subject', action.subject);
      check('text', action.text);
      check('html', action.html);
    }
    if (action.type !== 'create_task') return;
    check('title', action.title);
    check('description', action.description);
    for (const [j, item] of action.checklist.entries()) check(`checklist.${j}`, item);
    if (trigger.type === 'event' && trigger.event === 'TaskCreated')
      issues.push({
        path: `${at}.type`,
        message: 'A rule on TaskCreated may not create tasks: it would trigger itself.',
      });
    const { assignTo } = action;
    if (
      assignTo.type === 'owner' &&
      !hasContact &&
      !triggerHasOwnerField(trigger) &&
      !action.fallbackAssigneeId
    )
      issues.push({
        path: `${at}.assignTo`,
        message: `${describe(trigger)} has no record owner: assign to a member or a team, or give fallbackAssigneeId.`,
      });
    if (assignTo.type === 'member' && !active(assignTo.memberId))
      issues.push({ path: `${at}.assignTo.memberId`, message: `No active member ${assignTo.memberId}.` });
    if (
      assignTo.type === 'team' &&
      ![...members.values()].some((m) => m.status === 'active' && sameTeam(m.team, assignTo.team))
    )
      issues.push({ path: `${at}.assignTo.team`, message: `No active member is in team ${assignTo.team}.` });
    if (action.fallbackAssigneeId && !active(action.fallbackAssigneeId))
      issues.push({
        path: `${at}.fallbackAssigneeId`,
        message: `No active member ${action.fallbackAssigneeId}.`,
      });
  });
  const lists = rule.actions.flatMap((action, i) =>
    action.type === 'add_to_list' ? [{ i, id: action.listId }] : [],
  );
  if (lists.length) {
    const found = new Set(
      (
        await getItems(
          ctx,
          lists.map((l) => listKeys.list(ctx.tenantId, l.id)),
        )
      ).map((item) => String(item.id)),
    );
    for (const l of lists)
      if (!found.has(l.id))
        issues.push({ path: `body.actions.${l.i}.listId`, message: `There is no list ${l.id}.` });
  }
  return issues;
}

const CONTACT_VERBS = { send_email: 'email', tag_contact: 'tag', add_to_list: 'add to a list' } as const;

export function sameTeam(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

function describe(trigger: AutomationTrigger): string {
  if (trigger.type === 'event' || trigger.type === 'delay') return `The event ${trigger.event}`;
  return trigger.type === 'schedule' ? 'A schedule trigger' : 'An inactivity trigger';
}

async function assertValid(
  ctx: TenantContext,
  rule: Pick<AutomationRule, 'trigger' | 'actions'>,
): Promise<void> {
  const issues = await problemsOf(ctx, rule);
  if (issues.length) throw new ValidationError(issues, issues[0]!.message);
}

function normalized(trigger: AutomationTrigger): AutomationTrigger {
  return trigger.type === 'schedule' ? { ...trigger, rrule: normalizeRule(trigger.rrule) } : trigger;
}

/** The index keys of a rule: listed always; findable by its trigger only while enabled. */
function indexKeys(ctx: TenantContext, rule: AutomationRule): Record<string, string> {
  const keys: Record<string, string> = { GSI1PK: automationKeys.rules(ctx.tenantId), GSI1SK: rule.id };
  if (!rule.enabled) return keys;
  const { trigger } = rule;
  const on =
    trigger.type === 'event' || trigger.type === 'delay'
      ? trigger.event
      : trigger.type === 'inactivity'
        ? INACTIVITY_KEY
        : SCHEDULE_KEY;
  keys.GSI2PK = automationKeys.startedBy(ctx.tenantId, on);
  keys.GSI2SK = rule.id;
  if (trigger.type === 'delay' && trigger.unless) {
    keys.GSI3PK = automationKeys.cancelledBy(ctx.tenantId, trigger.unless.event);
    keys.GSI3SK = rule.id;
  }
  return keys;
}

/** A schedule-triggered, enabled rule's next occurrence after `afterLocal`, with its instant. */
async function withNext(rule: AutomationRule, afterLocal: string, timeZone: string): Promise<AutomationRule> {
  const result = { ...rule };
  delete result.nextOccurrence;
  delete result.nextOccurrenceAt;
  if (rule.enabled && rule.trigger.type === 'schedule') {
    const next = await nextOccurrence(rule.trigger.rrule, rule.trigger.startsAt, afterLocal);
    if (next) {
      result.nextOccurrence = next;
      result.nextOccurrenceAt = occurrenceInstant(next, timeZone).toISOString();
    }
  }
  return result;
}

async function save(
  ctx: TenantContext,
  rule: AutomationRule,
  previous: AutomationRule | undefined,
  timeZone: string,
): Promise<void> {
  const uow = unitOfWork(ctx).put(
    {
      ...automationKeys.rule(ctx.tenantId, rule.id),
      entity: 'AutomationRule',
      ...rule,
      ...indexKeys(ctx, rule),
    },
    {
      condition: previous ? and(exists, hasVersion(previous.version)) : notExists,
      onConditionFailed: () => new PreconditionFailedError(),
    },
  );
  uow.publish(AutomationRuleSaved, savedEvent(rule, previous, timeZone));
  await uow.commit();
}

function savedEvent(rule: AutomationRule, previous: AutomationRule | undefined, timeZone: string) {
  return {
    ruleId: rule.id,
    triggerType: rule.trigger.type,
    enabled: rule.enabled,
    timeZone,
    ...(rule.nextOccurrence ? { nextOccurrence: rule.nextOccurrence } : {}),
    ...(previous?.nextOccurrence && previous.nextOccurrence !== rule.nextOccurrence
      ? { previousOccurrence: previous.nextOccurrence }
      : {}),
  };
}

export async function createRule(
  ctx: TenantContext,
  input: AutomationRuleCreate,
  template?: TemplateId,
): Promise<AutomationRule> {
  const trigger = normalized(input.trigger);
  await assertValid(ctx, { trigger, actions: input.actions });
  const tenant = await getTenant(ctx);
  const now = ctx.clock.now();
  const rule = await withNext(
    {
      id: newId(),
      name: input.name,
      ...(input.description ? { description: input.description } : {}),
      enabled: input.enabled,
      trigger,
      actions: input.actions,
      ...(template ? { template } : {}),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      version: 1,
    },
    localDateTime(now, tenant.timeZone),
    tenant.timeZone,
  );
  await save(ctx, rule, undefined, tenant.timeZone);
  return rule;
}

export async function createRuleFromTemplate(
  ctx: TenantContext,
  input: AutomationRuleFromTemplate,
): Promise<AutomationRule> {
  const { rule } = templateOf(input.template);
  return createRule(ctx, { ...rule, name: input.name ?? rule.name, enabled: input.enabled }, input.template);
}

export async function getRule(ctx: TenantContext, id: string): Promise<AutomationRule> {
  const item = await getItem(ctx, automationKeys.rule(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Automation rule', id);
  return toRule(item);
}

export async function listRules(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<AutomationRule>> {
  return queryPage(ctx, { index: 'GSI1', partition: automationKeys.rules(ctx.tenantId) }, page, toRule);
}

export async function updateRule(
  ctx: TenantContext,
  id: string,
  input: AutomationRuleUpdate,
  ifMatch?: number | 'any',
): Promise<AutomationRule> {
  const current = await getRule(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: AutomationRule = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    ...(input.trigger !== undefined ? { trigger: normalized(input.trigger) } : {}),
    ...(input.actions !== undefined ? { actions: input.actions } : {}),
  };
  if (input.description === null) delete next.description;
  else if (input.description !== undefined) next.description = input.description;
  if (JSON.stringify(next) === JSON.stringify(current)) return current;
  if (input.trigger !== undefined || input.actions !== undefined) await assertValid(ctx, next);
  const tenant = await getTenant(ctx);
  const now = ctx.clock.now();
  const timing = input.trigger !== undefined || input.enabled !== undefined;
  const updated = timing ? await withNext(next, localDateTime(now, tenant.timeZone), tenant.timeZone) : next;
  updated.updatedAt = now.toISOString();
  updated.version = current.version + 1;
  await save(ctx, updated, current, tenant.timeZone);
  return updated;
}

export async function deleteRule(ctx: TenantContext, id: string): Promise<void> {
  const current = await getRule(ctx, id);
  const tenant = await getTenant(ctx);
  const uow = unitOfWork(ctx)
    .delete(automationKeys.rule(ctx.tenantId, id), {
      condition: exists,
      onConditionFailed: () => new NotFoundError('Automation rule', id),
    })
    .delete(automationKeys.inactivityCursor(ctx.tenantId, id));
  uow.publish(
    AutomationRuleSaved,
    savedEvent({ ...current, enabled: false, nextOccurrence: undefined }, current, tenant.timeZone),
  );
  await uow.commit();
}

/** The enabled rules an event type (or `@inactivity` / `@schedule`) starts. */
export async function rulesStartedBy(ctx: TenantContext, trigger: string): Promise<AutomationRule[]> {
  const items = await queryAll(ctx, {
    index: 'GSI2',
    partition: automationKeys.startedBy(ctx.tenantId, trigger),
  });
  return items.map(toRule);
}

/** The enabled delay rules an event type cancels. */
export async function rulesCancelledBy(ctx: TenantContext, eventType: string): Promise<AutomationRule[]> {
  const items = await queryAll(ctx, {
    index: 'GSI3',
    partition: automationKeys.cancelledBy(ctx.tenantId, eventType),
  });
  return items.map(toRule);
}

/**
 * Moves a schedule-triggered rule from the occurrence that just fired to the next one. Only the
 * pending occurrence moves it (a redelivered firing or a concurrent edit leaves it alone), and the
 * rule's version stays: the scheduler is not an editor whose writes should fail a member's If-Match.
 */
export async function advanceSchedule(
  ctx: TenantContext,
  rule: AutomationRule,
  fired: string,
): Promise<void> {
  if (rule.trigger.type !== 'schedule') return;
  const tenant = await getTenant(ctx);
  const next = await withNext(rule, fired, tenant.timeZone);
  const uow = unitOfWork(ctx).update(automationKeys.rule(ctx.tenantId, rule.id), {
    set: { nextOccurrence: next.nextOccurrence, nextOccurrenceAt: next.nextOccurrenceAt },
    condition: (e) => `${e.name('nextOccurrence')} = ${e.value(fired)}`,
    onConditionFailed: () => new PreconditionFailedError('The rule moved on meanwhile.'),
  });
  uow.publish(AutomationRuleSaved, savedEvent(next, { ...rule, nextOccurrence: undefined }, tenant.timeZone));
  await uow.commit().catch((error) => {
    if (!(error instanceof PreconditionFailedError)) throw error;
  });
}
