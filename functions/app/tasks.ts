import { anyMember, customerFacing } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { Id, Limit, page, z } from '../../shared/platform/schema.ts';
import { Task, TaskCreate, TaskStatus, TaskUpdate } from '../../shared/tasks/schema.ts';
import { defineModule } from './types.ts';

const fn = 'tasks-api';
const tags = ['Tasks'];
const ById = z.object({ id: Id });

export const taskRoutes = {
  createTask: route({
    operationId: 'createTask',
    method: 'POST',
    path: '/v1/tasks',
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
    function: fn,
    access: anyMember,
    summary: 'List tasks of an assignee by status, soonest due first',
    description:
      'Without `assigneeId`, the calling member’s tasks; `assigneeId=unassigned` lists tasks nobody owns.',
    tags,
    query: z.object({
      assigneeId: z.optional(z.union([Id, z.literal('unassigned')])),
      status: z._default(TaskStatus, 'open'),
      limit: Limit,
      cursor: z.optional(z.string()),
    }),
    response: { status: 200, schema: page('TaskPage', Task) },
  }),
  getTask: route({
    operationId: 'getTask',
    method: 'GET',
    path: '/v1/tasks/{id}',
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
    function: fn,
    access: customerFacing,
    summary: 'Change a task: status, assignee, due time, checklist answers',
    tags,
    params: ById,
    body: TaskUpdate,
    response: { status: 200, schema: Task },
    versioned: true,
    errors: ['precondition_failed'],
  }),
};

export const tasks = defineModule({
  name: 'tasks',
  tags: { Tasks: 'Follow-ups, to-dos and call checklists, made by members or by the CRM itself.' },
  functions: [
    {
      name: 'tasks-api',
      entry: 'functions/http/tasks.ts',
      description: 'Tasks over HTTP.',
      permissions: ['table:tenant'],
    },
  ],
  routes: taskRoutes,
});
