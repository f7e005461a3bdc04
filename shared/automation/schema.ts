import * as z from 'zod/mini';
import { EventCondition } from '../../events/conditions.ts';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, LocalDateTime, NonEmpty, named } from '../platform/schema.ts';
import { TaskPriority } from '../tasks/schema.ts';

/**
 * Automation rules are data per tenant: a trigger (a domain event with conditions, a delay after
 * an event unless a cancelling event comes first, inactivity, a schedule) and actions. The
 * schemas check shapes; the service checks meaning against the event catalog (docs/automation.md).
 */

/** Deliveries of one firing before it is recorded as failed (the firings queue's maxReceiveCount). */
export const FIRING_ATTEMPTS = 3;

export const DelaySetting = lazy(() => z.enum(['quoteFollowUpDays']));

export const Delay = named(
  'AutomationDelay',
  lazy(() =>
    z.object({
      amount: z.optional(z.int().check(z.minimum(1), z.maximum(525_600))),
      unit: z.optional(z.enum(['minutes', 'hours', 'days'])),
      /** Take the number of days from a tenant setting instead (read when each delay starts). */
      setting: z.optional(DelaySetting),
    }),
  ),
  'How long to wait: `amount` and `unit`, or `setting` naming a tenant setting in days. Days are calendar days in the tenant time zone.',
);
export type Delay = z.infer<typeof Delay>;

const EventName = NonEmpty(100);
const Conditions = lazy(() => z._default(z.array(EventCondition).check(z.maxLength(20)), []));

export const AutomationTrigger = named(
  'AutomationTrigger',
  lazy(() =>
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('event'), event: EventName, conditions: Conditions }),
      z.object({
        type: z.literal('delay'),
        event: EventName,
        conditions: Conditions,
        delay: Delay,
        /** Cancel the pending delay when this event arrives for the same record first. */
        unless: z.optional(
          z.object({
            event: EventName,
            /** The field both events share that names the record, e.g. `quoteId`. */
            match: NonEmpty(100),
          }),
        ),
      }),
      z.object({ type: z.literal('inactivity'), days: z.int().check(z.minimum(1), z.maximum(3650)) }),
      z.object({ type: z.literal('schedule'), rrule: NonEmpty(500), startsAt: LocalDateTime }),
    ]),
  ),
  'What makes the rule fire: `event` (an event whose fields meet the conditions), `delay` (a time after such an event, unless a cancelling event came first), `inactivity` (a customer with no purchase for `days` days), `schedule` (an RRULE in the tenant time zone).',
);
export type AutomationTrigger = z.infer<typeof AutomationTrigger>;

export const Assignment = named(
  'AutomationAssignment',
  lazy(() =>
    z.discriminatedUnion('type', [
      /** The owner of the triggering record (the event's `ownerId`, else the contact's owner). */
      z.object({ type: z.literal('owner') }),
      z.object({ type: z.literal('member'), memberId: Id }),
      /** Round-robin among the team's active members. */
      z.object({ type: z.literal('team'), team: NonEmpty(100) }),
    ]),
  ),
);
export type Assignment = z.infer<typeof Assignment>;

const Tag = lazy(() => z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50)));

export const AutomationAction = named(
  'AutomationAction',
  lazy(() =>
    z.discriminatedUnion('type', [
      z.object({
        type: z.literal('create_task'),
        /** Templates may use merge fields such as {{contact.firstName}} and {{trigger.nps}}. */
        title: NonEmpty(200),
        description: z.optional(z.string().check(z.maxLength(5000))),
        priority: z._default(TaskPriority, 'normal'),
        /** Due this long after the rule fires. */
        dueIn: z.optional(
          z.object({
            amount: z.int().check(z.minimum(1), z.maximum(8760)),
            unit: z.enum(['hours', 'days']),
          }),
        ),
        /** Checklist items, e.g. the questions to ask on a call. */
        checklist: z._default(z.array(NonEmpty(500)).check(z.maxLength(50)), []),
        assignTo: z._default(Assignment, { type: 'owner' }),
        /** Who gets the task when the assignment finds nobody (no owner, empty team). */
        fallbackAssigneeId: z.optional(Id),
        reminderMinutesBefore: z.optional(z.nullable(z.int().check(z.minimum(0), z.maximum(10_080)))),
      }),
      z.object({
        type: z.literal('send_email'),
        /** Sent to the contact of the triggering record. */
        subject: NonEmpty(200),
        text: NonEmpty(20_000),
        /** Without it, the HTML part is the text with its line breaks. */
        html: z.optional(z.string().check(z.maxLength(100_000))),
      }),
      z.object({ type: z.literal('tag_contact'), tag: Tag }),
      /** Adds the contact to a static mailing list of the email-marketing module. */
      z.object({ type: z.literal('add_to_list'), listId: Id }),
    ]),
  ),
  'What the rule does: create a task, email the contact, tag the contact, or add the contact to a mailing list.',
);
export type AutomationAction = z.infer<typeof AutomationAction>;

export const TEMPLATE_IDS = ['quote-follow-up', 'detractor-call', 'win-back'] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];

export const AutomationRule = named(
  'AutomationRule',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      description: z.optional(z.string()),
      enabled: z.boolean(),
      trigger: AutomationTrigger,
      actions: z.array(AutomationAction),
      /** The ready-made template the rule was made from, if any. */
      template: z.optional(z.enum(TEMPLATE_IDS)),
      /** Schedule triggers: the next occurrence (tenant time zone) and its instant. */
      nextOccurrence: z.optional(z.string()),
      nextOccurrenceAt: z.optional(IsoDateTime),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
);
export type AutomationRule = z.infer<typeof AutomationRule>;

export const AutomationRuleCreate = named(
  'AutomationRuleCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(200),
      description: z.optional(z.string().check(z.maxLength(2000))),
      enabled: z._default(z.boolean(), true),
      trigger: AutomationTrigger,
      actions: z.array(AutomationAction).check(z.minLength(1), z.maxLength(10)),
    }),
  ),
);
export type AutomationRuleCreate = z.infer<typeof AutomationRuleCreate>;

export const AutomationRuleUpdate = named(
  'AutomationRuleUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      description: z.optional(z.nullable(z.string().check(z.maxLength(2000)))),
      enabled: z.optional(z.boolean()),
      trigger: z.optional(AutomationTrigger),
      actions: z.optional(z.array(AutomationAction).check(z.minLength(1), z.maxLength(10))),
    }),
  ),
);
export type AutomationRuleUpdate = z.infer<typeof AutomationRuleUpdate>;

export const AutomationRuleFromTemplate = named(
  'AutomationRuleFromTemplate',
  lazy(() =>
    z.object({
      template: z.enum(TEMPLATE_IDS),
      name: z.optional(NonEmpty(200)),
      enabled: z._default(z.boolean(), true),
    }),
  ),
);
export type AutomationRuleFromTemplate = z.infer<typeof AutomationRuleFromTemplate>;

export const AutomationTemplate = named(
  'AutomationTemplate',
  lazy(() =>
    z.object({
      /** The same name as `template` in POST /v1/automation-rules/from-template and on the rules made from it. */
      template: z.enum(TEMPLATE_IDS),
      name: z.string(),
      description: z.string(),
      rule: AutomationRuleCreate,
    }),
  ),
  'A ready-made rule: create it as is with POST /v1/automation-rules/from-template, or adapt its `rule` and POST it.',
);

export const RUN_STATUSES = ['running', 'retrying', 'succeeded', 'failed', 'skipped'] as const;

export const AutomationRunAction = lazy(() =>
  z.object({
    index: z.int(),
    type: z.string(),
    status: z.enum(['pending', 'done', 'skipped', 'failed']),
    taskId: z.optional(z.string()),
    assigneeId: z.optional(z.string()),
    messageId: z.optional(z.string()),
    detail: z.optional(z.string()),
  }),
);
export type AutomationRunAction = z.infer<typeof AutomationRunAction>;

export const TriggerSnapshot = lazy(() =>
  z.object({
    type: z.enum(['event', 'delay', 'inactivity', 'schedule']),
    /** The moment the firing stands for: the event, the end of the delay, the day, the occurrence. */
    at: z.string(),
    eventType: z.optional(z.string()),
    eventId: z.optional(z.string()),
    contactId: z.optional(z.string()),
    /** The event's payload (or, for inactivity, `lastPurchaseDate` and `days`; for schedules, `occurrence`). */
    fields: z.record(z.string(), z.unknown()),
  }),
);
export type TriggerSnapshot = z.infer<typeof TriggerSnapshot>;

export const AutomationRun = named(
  'AutomationRun',
  lazy(() =>
    z.object({
      id: Id,
      ruleId: Id,
      /** What the rule fired for; a rule fires at most once per occurrence. */
      occurrence: z.string(),
      status: z.enum(RUN_STATUSES),
      trigger: TriggerSnapshot,
      attempts: z.int(),
      actions: z.array(AutomationRunAction),
      error: z.optional(z.string()),
      startedAt: IsoDateTime,
      finishedAt: z.optional(IsoDateTime),
    }),
  ),
  'One firing of a rule: what triggered it, what each action did, and how it ended.',
);
export type AutomationRun = z.infer<typeof AutomationRun>;

/** The message that asks the worker to run a rule for one occurrence. */
export const Firing = lazy(() =>
  z.object({
    tenantId: z.string(),
    ruleId: z.string(),
    occurrence: z.string(),
    trigger: TriggerSnapshot,
  }),
);
export type Firing = z.infer<typeof Firing>;
