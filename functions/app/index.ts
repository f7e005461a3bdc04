import { contacts } from './contacts.ts';
import { invoicing } from './invoicing.ts';
import { platform } from './platform.ts';
import { tasks } from './tasks.ts';
import { tenancy } from './tenancy.ts';
import { defineApplication, type ModuleSpec } from './types.ts';

/** One line per module. A module joins the application by being listed here. */
const modules: ModuleSpec[] = [platform, tenancy, contacts, tasks, invoicing];

/**
 * The whole application. The CDK stack, the local runtime, the OpenAPI document and the isolation
 * suite all read it.
 */
export const application = defineApplication(modules, {
  authorizer: { function: 'authorizer', cacheTtlSeconds: 60 },
  fallback: 'fallback',
});
