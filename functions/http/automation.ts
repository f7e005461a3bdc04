import {
  createRule,
  createRuleFromTemplate,
  deleteRule,
  getRule,
  listRules,
  updateRule,
} from '../../shared/automation/rules.ts';
import { listRuns } from '../../shared/automation/runs.ts';
import { TEMPLATES } from '../../shared/automation/templates.ts';
import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import { automationRoutes } from '../app/automation.ts';
import { recordKinds } from '../app/records.ts';

export const handler = httpHandler(
  automationRoutes,
  {
    createRule: ({ ctx, body }) => createRule(ctx, body),
    createRuleFromTemplate: ({ ctx, body }) => createRuleFromTemplate(ctx, body),
    listRules: ({ ctx, query }) => listRules(ctx, query),
    getRule: ({ ctx, params }) => getRule(ctx, params.id),
    updateRule: ({ ctx, params, body, ifMatch }) => updateRule(ctx, params.id, body, ifMatch),
    deleteRule: async ({ ctx, params }) => {
      await deleteRule(ctx, params.id);
      return noContent();
    },
    listRuns: async ({ ctx, params, query }) => {
      await getRule(ctx, params.id);
      return listRuns(ctx, params.id, query);
    },
    listTemplates: async () => ({ items: TEMPLATES }),
  },
  { records: recordKinds },
);
