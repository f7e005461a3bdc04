import * as z from 'zod/mini';
import { anyMember, customerFacing } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { lazy } from '../../shared/platform/lazy.ts';
import { Id, IsoDateTime, Limit, PageQuery, page } from '../../shared/platform/schema.ts';
import {
  LINK_TYPES,
  RecurringTask,
  RecurringTaskCreate,
  RecurringTaskUpdate,
  Task,
  TaskCreate,
  TaskStatus,
  TaskSummary,
  TaskUpdate,
} from '../../shared/tasks/schema.ts';
import { defineModule } from './types.ts';

const fn = 'tasks-api';
const tags = ['Tasks'];
const recurringTags = ['Recurring tasks'];
const ById = lazy(() => z.object({ id: Id }));

export const taskRoutes = {
  createTask: route({
    operationId: 'createTask',
    method: 'POST',
    path: '/v1/tasks',
    references: { assigneeId: 'member', 'links.*.id': '@type' },
    function: fn,
    access: customerFacing,
    summary: 'Create a task',
    tags,
    body: TaskCreate,
    response: { status: 201, schema: Task },
    versioned: true,
    errors: ['unprocessable'],
  }),
  listTasks: route({
    operationId: 'listTasks',
    method: 'GET',
    path: '/v1/tasks',
    expand: { assignee: { field: 'assigneeId', kind: 'member' } },
    function: fn,
    access: anyMember,
    summary: 'List tasks of an assignee, due within a window, or about a record',
    description:
      'With `linkType` and `linkId`: the tasks about that record, newest first (any status unless ' +
      '`status` is given). Otherwise the tasks of `assigneeId` (the calling member by default; ' +
      '`unassigned` for tasks nobody owns) in `status` (open by default), soonest due first, ' +
      'limited to those due between `dueFrom` and `dueTo` when either is given (not with `linkType`, ' +
      'whose list takes neither an assignee nor a window). A new task joins the ' +
      'list about a record within about a second: that lookup is written once the task is saved.',
    tags,
    query: lazy(() =>
      z.object({
        assigneeId: z.optional(z.union([Id, z.literal('unassigned')])),
        status: z.optional(TaskStatus),
        dueFrom: z.optional(IsoDateTime),
        dueTo: z.optional(IsoDateTime),
        linkType: z.optional(z.enum(LINK_TYPES)),
        linkId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
        limit: Limit,
        cursor: z.optional(z.string()),
      }),
    ),
    response: { status: 200, schema: page('TaskPage', Task) },
  }),
  taskSummary: route({
    operationId: 'getTaskSummary',
    method: 'GET',
    path: '/v1/tasks/summary',
    function: fn,
    access: anyMember,
    summary: 'Count tasks by status and assignee, with overdue counts',
    tags,
    response: { status: 200, schema: TaskSummary },
  }),
  getTask: route({
    operationId: 'getTask',
    method: 'GET',
    path: '/v1/tasks/{id}',
    expand: { assignee: { field: 'assigneeId', kind: 'member' } },
    function: fn,
    access: anyMember,
    summary: 'Read a task',
    tags,
    params: ById,
    response: { status: 200, schema: Task },
    versioned: true,
  }),
  updateTask: route({
    operationId: 'updateTask',
    method: 'PATCH',
    path: '/v1/tasks/{id}',
    resource: 'task',
    references: { assigneeId: 'member' },
    function: fn,
    access: customerFacing,
    summary: 'Change a task: status, assignee, due time, reminder, checklist answers',
    tags,
    params: ById,
    body: TaskUpdate,
    response: { status: 200, schema: Task },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  createRecurringTask: route({
    operationId: 'createRecurringTask',
    method: 'POST',
    path: '/v1/recurring-tasks',
    references: { assigneeId: 'member', 'links.*.id': '@type' },
    function: fn,
    access: customerFacing,
    summary: 'Create a recurring task',
    description:
      'A task appears at each occurrence of `rrule` (RFC 5545, at most daily), counted from `startsAt` ' +
      "in the tenant's time zone.",
    tags: recurringTags,
    body: RecurringTaskCreate,
    response: { status: 201, schema: RecurringTask },
    versioned: true,
    errors: ['unprocessable'],
  }),
  listRecurringTasks: route({
    operationId: 'listRecurringTasks',
    method: 'GET',
    path: '/v1/recurring-tasks',
    function: fn,
    access: anyMember,
    summary: 'List recurring tasks',
    tags: recurringTags,
    query: PageQuery,
    response: { status: 200, schema: page('RecurringTaskPage', RecurringTask) },
  }),
  getRecurringTask: route({
    operationId: 'getRecurringTask',
    method: 'GET',
    path: '/v1/recurring-tasks/{id}',
    function: fn,
    access: anyMember,
    summary: 'Read a recurring task',
    tags: recurringTags,
    params: ById,
    response: { status: 200, schema: RecurringTask },
    versioned: true,
  }),
  updateRecurringTask: route({
    operationId: 'updateRecurringTask',
    method: 'PATCH',
    path: '/v1/recurring-tasks/{id}',
    resource: 'recurringTask',
    references: { assigneeId: 'member', 'links.*.id': '@type' },
    function: fn,
    access: customerFacing,
    summary: 'Change, pause or resume a recurring task',
    tags: recurringTags,
    params: ById,
    body: RecurringTaskUpdate,
    response: { status: 200, schema: RecurringTask },
    versioned: true,
    errors: ['precondition_failed'],
  }),
  deleteRecurringTask: route({
    operationId: 'deleteRecurringTask',
    method: 'DELETE',
    path: '/v1/recurring-tasks/{id}',
    function: fn,
    access: customerFacing,
    summary: 'Stop a recurring task',
    description: 'Tasks it already created stay.',
    tags: recurringTags,
    params: ById,
    response: { status: 204 },
  }),
};

export const tasks = /* @__PURE__ */ defineModule({
  name: 'tasks',
  tags: {
    Tasks: 'Follow-ups, to-dos and call checklists, made by members or by the CRM itself.',
    'Recurring tasks': 'Duties that come back on a calendar: each occurrence of the rule makes a task.',
  },
  functions: [
    {
      name: 'tasks-api',
      entry: 'functions/http/tasks.ts',
      description: 'Tasks, their summary and recurring tasks over HTTP.',
      permissions: ['table:tenant'],
    },
    {
      name: 'tasks-timers',
      entry: 'functions/events/task-timers.ts',
      description: 'Keeps one-time schedules for task reminders and recurring-task occurrences.',
      permissions: ['schedules:manage'],
    },
    {
      name: 'tasks-jobs',
      entry: 'functions/jobs/tasks.ts',
      description: 'Sends task reminders and overdue digests; creates recurring-task occurrences.',
      permissions: ['table:write', 'mail:send'],
    },
  ],
  routes: taskRoutes,
  rules: [
    {
      name: 'task-timers',
      description: 'Task and recurring-task changes (re)schedule reminders and the next occurrence.',
      bus: 'domain',
      pattern: {
        source: ['funnel.tasks'],
        'detail-type': ['TaskCreated', 'TaskRescheduled', 'RecurringTaskSaved'],
      },
      target: 'tasks-timers',
    },
  ],
  schedules: [
    {
      name: 'task-reminder',
      description: "Emails a task's assignee before its due time (one schedule per reminder).",
      target: 'tasks-jobs',
      kind: 'one-time',
    },
    {
      name: 'task-recurrence',
      description: 'Creates the task of one occurrence of a recurring task.',
      target: 'tasks-jobs',
      kind: 'one-time',
    },
    {
      name: 'overdue-task-digest',
      description: "Emails each member the list of their overdue tasks, at the tenant's daily job hour.",
      target: 'tasks-jobs',
      kind: 'per-tenant',
      expression: 'cron(0 {dailyJobHour} * * ? *)',
    },
  ],
});
