import { httpHandler } from '../../shared/platform/http/handler.ts';
import { createTask, getTask, listTasksOf, updateTask } from '../../shared/tasks/service.ts';
import { taskRoutes } from '../app/tasks.ts';

export const handler = httpHandler(taskRoutes, {
  createTask: ({ ctx, body }) => createTask(ctx, body),
  listTasks: ({ ctx, query, principal }) => {
    const assignee =
      query.assigneeId === 'unassigned' ? undefined : (query.assigneeId ?? principal!.memberId);
    return listTasksOf(ctx, assignee, query.status, query);
  },
  getTask: ({ ctx, params }) => getTask(ctx, params.id),
  updateTask: ({ ctx, params, body, ifMatch }) => updateTask(ctx, params.id, body, { ifMatch }),
});
