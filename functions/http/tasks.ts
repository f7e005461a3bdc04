import { ValidationError } from '../../shared/platform/errors.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import {
  createRecurringTask,
  deleteRecurringTask,
  getRecurringTask,
  listRecurringTasks,
  updateRecurringTask,
} from '../../shared/tasks/recurring.ts';
import { createTask, findTasks, getTask, updateTask } from '../../shared/tasks/service.ts';
import { taskSummary } from '../../shared/tasks/summary.ts';
import { expandableKinds } from '../app/expansions.ts';
import { recordKinds } from '../app/records.ts';
import { taskRoutes } from '../app/tasks.ts';

export const handler = httpHandler(
  taskRoutes,
  {
    createTask: ({ ctx, body }) => createTask(ctx, body),
    listTasks: ({ ctx, query, principal }) => {
      const { assigneeId, ...rest } = query;
      if (assigneeId && rest.linkType)
        throw ValidationError.field(
          'query.assigneeId',
          'The tasks about a record are listed whoever they are assigned to: leave assigneeId out.',
        );
      return findTasks(ctx, {
        ...rest,
        assigneeId: assigneeId === 'unassigned' ? undefined : (assigneeId ?? principal!.memberId),
      });
    },
    taskSummary: ({ ctx }) => taskSummary(ctx),
    getTask: ({ ctx, params }) => getTask(ctx, params.id),
    updateTask: ({ ctx, params, body, ifMatch }) => updateTask(ctx, params.id, body, { ifMatch }),
    createRecurringTask: ({ ctx, body }) => createRecurringTask(ctx, body),
    listRecurringTasks: ({ ctx, query }) => listRecurringTasks(ctx, query),
    getRecurringTask: ({ ctx, params }) => getRecurringTask(ctx, params.id),
    updateRecurringTask: ({ ctx, params, body, ifMatch }) =>
      updateRecurringTask(ctx, params.id, body, ifMatch),
    deleteRecurringTask: async ({ ctx, params }) => {
      await deleteRecurringTask(ctx, params.id);
      return noContent();
    },
  },
  { records: recordKinds, expansions: expandableKinds },
);
