import * as z from 'zod/mini';
import {
  AutomationRule,
  AutomationRuleCreate,
  AutomationRuleFromTemplate,
  AutomationRuleUpdate,
  AutomationRun,
  AutomationTemplate,
  FIRING_ATTEMPTS,
} from '../../shared/automation/schema.ts';
import { anyMember, type Role } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, PageQuery, page } from '../../shared/platform/schema.ts';
import { defineModule } from './types.ts';

const fn = 'automation-api';
const tags = ['Automation'];
const ById = lazy(() => z.object({ id: Id }));
/** Rules email customers and hand out work: the teams that run customer relationships write them. */
const editors: readonly Role[] = ['admin', 'sales', 'marketing'];

export const automationRoutes = {
  createRule: route({
    operationId: 'createAutomationRule',
    method: 'POST',
    path: '/v1/automation-rules',
    references: {
      'actions.*.assignTo.memberId': 'member',
      'actions.*.fallbackAssigneeId': 'member',
      'actions.*.listId': 'list',
    },
    function: fn,
    access: editors,
    summary: 'Create an automation rule',
    description:
      'The trigger and actions are checked against the event catalog: an unknown event type, a condition on ' +
      'a field the event does not have, an invalid RRULE or a template with an unknown merge field is a 400 ' +
      'naming the field.',
    tags,
    body: AutomationRuleCreate,
    response: { status: 201, schema: AutomationRule },
    versioned: true,
    errors: ['unprocessable'],
  }),
  createRuleFromTemplate: route({
    operationId: 'createAutomationRuleFromTemplate',
    method: 'POST',
    path: '/v1/automation-rules/from-template',
    location: '/v1/automation-rules/{id}',
    function: fn,
    access: editors,
    summary: 'Create an automation rule from a ready-made template',
    tags,
    body: AutomationRuleFromTemplate,
    response: { status: 201, schema: AutomationRule },
    versioned: true,
    errors: ['unprocessable'],
  }),
  listRules: route({
    operationId: 'listAutomationRules',
    method: 'GET',
    path: '/v1/automation-rules',
    function: fn,
    access: anyMember,
    summary: 'List automation rules',
    tags,
    query: PageQuery,
    response: { status: 200, schema: page('AutomationRulePage', AutomationRule) },
  }),
  getRule: route({
    operationId: 'getAutomationRule',
    method: 'GET',
    path: '/v1/automation-rules/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read an automation rule',
    tags,
    params: ById,
    response: { status: 200, schema: AutomationRule },
    versioned: true,
  }),
  updateRule: route({
    operationId: 'updateAutomationRule',
    method: 'PATCH',
    path: '/v1/automation-rules/{id}',
    resource: 'automationRule',
    references: {
      'actions.*.assignTo.memberId': 'member',
      'actions.*.fallbackAssigneeId': 'member',
      'actions.*.listId': 'list',
    },
    function: fn,
    access: editors,
    summary: 'Change, enable or disable an automation rule',
    tags,
    params: ById,
    body: AutomationRuleUpdate,
    response: { status: 200, schema: AutomationRule },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  deleteRule: route({
    operationId: 'deleteAutomationRule',
    method: 'DELETE',
    path: '/v1/automation-rules/{id}',
    function: fn,
    access: editors,
    summary: 'Delete an automation rule',
    description: 'Pending delays of the rule fire as skipped runs; tasks it created stay.',
    tags,
    params: ById,
    response: { status: 204 },
  }),
  listRuns: route({
    operationId: 'listAutomationRuns',
    method: 'GET',
    path: '/v1/automation-rules/{id}/runs',
    function: fn,
    access: anyMember,
    summary: "Read a rule's firings, newest first",
    description: 'Each firing with its trigger, what each action did, attempts and, when it failed, why.',
    tags,
    params: ById,
    query: PageQuery,
    response: { status: 200, schema: page('AutomationRunPage', AutomationRun) },
  }),
  listTemplates: route({
    operationId: 'listAutomationTemplates',
    method: 'GET',
    path: '/v1/automation-templates',
    function: fn,
    access: anyMember,
    summary: 'List the ready-made automation rules',
    tags,
    response: {
      status: 200,
      schema: lazy(() => z.object({ items: z.array(AutomationTemplate) })),
    },
  }),
};

export const automation = /* @__PURE__ */ defineModule({
  name: 'automation',
  tags: {
    Automation:
      'Rules that react to events, to delays without a cancelling event, to inactive customers and to a calendar, by creating tasks, emailing and tagging contacts.',
  },
  functions: [
    {
      name: 'automation-api',
      entry: 'functions/http/automation.ts',
      description: 'Automation rules, their runs and templates over HTTP.',
      permissions: ['table:tenant'],
    },
    {
      name: 'automation-engine',
      entry: 'functions/events/automation-engine.ts',
      description:
        "Matches every domain event against the tenant's rules: firings, delay timers, cancellations.",
      permissions: ['table:write', 'schedules:manage', 'queues:send'],
    },
    {
      name: 'automation-jobs',
      entry: 'functions/jobs/automation.ts',
      description: 'Ends delays, fires schedule-triggered rules and finds inactive customers.',
      permissions: ['table:write', 'queues:send'],
    },
    {
      name: 'automation-worker',
      entry: 'functions/workers/automation-firings.ts',
      description: "Runs a rule's actions once per occurrence and records the run.",
      permissions: ['table:write', 'mail:send'],
    },
  ],
  routes: automationRoutes,
  rules: [
    {
      name: 'automation-engine',
      description: "Every domain event goes to the automation engine; tenants' rules are data it looks up.",
      bus: 'domain',
      pattern: { source: [{ prefix: 'funnel.' }] },
      target: 'automation-engine',
    },
  ],
  schedules: [
    {
      name: 'automation-timer',
      description: 'The end of one pending delay of a rule (one schedule per pending occurrence).',
      target: 'automation-jobs',
      kind: 'one-time',
    },
    {
      name: 'automation-schedule',
      description: 'The next occurrence of a schedule-triggered rule.',
      target: 'automation-jobs',
      kind: 'one-time',
    },
    {
      name: 'automation-daily',
      description:
        "Finds the customers who just crossed each inactivity rule's days, at the tenant's daily job hour.",
      target: 'automation-jobs',
      kind: 'per-tenant',
      expression: 'cron(0 {dailyJobHour} * * ? *)',
    },
  ],
  queues: [
    {
      name: 'automation-firings',
      description: 'One message per rule firing; a failing action is retried, then recorded as failed.',
      consumer: 'automation-worker',
      batchSize: 10,
      visibilityTimeoutSeconds: 120,
      maxReceiveCount: FIRING_ATTEMPTS,
      maxConcurrency: 5,
    },
  ],
});
