import { contacts } from './contacts.ts';
import { platform } from './platform.ts';
import { tasks } from './tasks.ts';
import { tenancy } from './tenancy.ts';
import { defineApplication } from './types.ts';

/**
 * The whole application. A module joins by adding its declaration here; the CDK stack, the local
 * runtime, the OpenAPI document and the isolation suite pick it up from this list.
 */
export const application = defineApplication([platform, tenancy, contacts, tasks], {
  authorizer: { function: 'authorizer', cacheTtlSeconds: 60 },
  fallback: 'fallback',
});
