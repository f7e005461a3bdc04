import { analytics } from './analytics.ts';
import { automation } from './automation.ts';
import { cases } from './cases.ts';
import { contacts } from './contacts.ts';
import { identity } from './identity.ts';
import { invoicing } from './invoicing.ts';
import { marketing } from './marketing.ts';
import { platform } from './platform.ts';
import { reports } from './reports.ts';
import { sales } from './sales.ts';
import { senders } from './senders.ts';
import { subscriptions } from './subscriptions.ts';
import { surveys } from './surveys.ts';
import { tasks } from './tasks.ts';
import { tenancy } from './tenancy.ts';
import { tenantExit } from './tenant-exit.ts';
import { defineApplication, type ModuleSpec } from './types.ts';
import { warehouse } from './warehouse.ts';
import { webhooks } from './webhooks.ts';

/** A module joins the application by being listed here. */
// biome-ignore format: one module per line keeps merges of parallel work trivial
const modules: ModuleSpec[] = [
  platform,
  tenancy,
  senders,
  contacts,
  tasks,
  automation,
  sales,
  invoicing,
  marketing,
  surveys,
  webhooks,
  warehouse,
  reports,
  analytics,
  identity,
  tenantExit,
  cases,
  subscriptions,
];

/**
 * The whole application. The CDK stack, the local runtime, the OpenAPI document and the isolation
 * suite all read it.
 */
export const application = defineApplication(modules, {
  authorizer: { function: 'authorizer', cacheTtlSeconds: 60 },
  fallback: 'fallback',
});
