import { application as declaredApplication } from '../functions/app/index.ts';
import type { Application } from '../functions/app/types.ts';
import { bucketVariable } from '../shared/platform/buckets.ts';

/**
 * The environment every function receives, in AWS (infra/stack.ts) and locally (infra/local/),
 * built by this one function so the two cannot drift. Only names and ARNs: no secrets.
 */
export interface Wiring {
  tableName: string;
  eventBusName: string;
  scheduleGroup: string;
  schedulerRoleArn: string;
  /** `<prefix><declared function name>` is a function's ARN. */
  functionArnPrefix: string;
  scheduleDlqArn?: string;
  /** `<prefix><declared queue name>` is a queue's URL. */
  queueUrlPrefix: string;
  sesConfigurationSet: string;
  /** `<prefix><identity>` is an SES identity's ARN: `arn:aws:ses:<region>:<account>:identity/`. */
  sesIdentityArnPrefix: string;
  /** The operator's own verified address, From of service mail (sign-up verification links). */
  serviceSenderEmail: string;
  linkSecretArn?: string;
  webhookSecretArn?: string;
  tenantAccessRoleArn?: string;
  /** Base of links in mail and pages (unsubscribe, self-service, surveys): the API's public URL. */
  publicBaseUrl: string;
  /** Physical name of each declared bucket, by declared name. */
  buckets: Record<string, string>;
  /** Where declared tables are queried: the catalog database, the Athena workgroup, the SQL dialect. */
  warehouse?: { database: string; workgroup: string; dialect: 'athena' | 'duckdb' };
  /** The domain SES receives the support addresses' mail for (docs/contact-centre.md, Addresses). */
  inboundMailDomain: string;
  /**
   * The operator tenant (docs/operator.md): plans, operator keys and the invoices to tenants live
   * there. Without it operator keys are refused and months close without an invoice.
   */
  operatorTenantId?: string;
  /** The members' user pool (console sign-in): its id, the console's app client and the token issuer. */
  userPool: { id: string; clientId: string; issuer: string };
}

/** Per-tenant schedules, as the provisioner reads them (see shared/platform/tenant-schedules.ts). */
export function tenantSchedules(application: Application = declaredApplication): string {
  return JSON.stringify(
    application.schedules
      .filter((s) => s.kind === 'per-tenant')
      .map((s) => ({ name: s.name, expression: s.expression, target: s.target })),
  );
}

export function functionEnvironment(
  wiring: Wiring,
  application: Application = declaredApplication,
): Record<string, string> {
  const env: Record<string, string> = {
    TABLE_NAME: wiring.tableName,
    EVENT_BUS_NAME: wiring.eventBusName,
    SCHEDULE_GROUP: wiring.scheduleGroup,
    SCHEDULER_ROLE_ARN: wiring.schedulerRoleArn,
    FUNCTION_ARN_PREFIX: wiring.functionArnPrefix,
    QUEUE_URL_PREFIX: wiring.queueUrlPrefix,
    SES_CONFIGURATION_SET: wiring.sesConfigurationSet,
    SES_IDENTITY_ARN_PREFIX: wiring.sesIdentityArnPrefix,
    SERVICE_SENDER_EMAIL: wiring.serviceSenderEmail,
    TENANT_SCHEDULES: tenantSchedules(application),
    PUBLIC_BASE_URL: wiring.publicBaseUrl,
    INBOUND_MAIL_DOMAIN: wiring.inboundMailDomain,
    USER_POOL_ID: wiring.userPool.id,
    USER_POOL_CLIENT_ID: wiring.userPool.clientId,
    USER_POOL_ISSUER: wiring.userPool.issuer,
    POWERTOOLS_SERVICE_NAME: 'funnel-crm',
  };
  for (const bucket of application.buckets) {
    const physical = wiring.buckets[bucket.name];
    if (physical === undefined) throw new Error(`No physical name for declared bucket ${bucket.name}.`);
    env[bucketVariable(bucket.name)] = physical;
  }
  if (application.tables.length) {
    if (!wiring.warehouse)
      throw new Error('Declared tables need a warehouse (database, workgroup, dialect).');
    env.WAREHOUSE_DATABASE = wiring.warehouse.database;
    env.ATHENA_WORKGROUP = wiring.warehouse.workgroup;
    env.WAREHOUSE_SQL_DIALECT = wiring.warehouse.dialect;
  }
  if (wiring.scheduleDlqArn) env.SCHEDULE_DLQ_ARN = wiring.scheduleDlqArn;
  if (wiring.operatorTenantId) env.OPERATOR_TENANT_ID = wiring.operatorTenantId;
  if (wiring.linkSecretArn) env.LINK_SECRET_ARN = wiring.linkSecretArn;
  if (wiring.webhookSecretArn) env.WEBHOOK_SECRET_ARN = wiring.webhookSecretArn;
  if (wiring.tenantAccessRoleArn) env.TENANT_ACCESS_ROLE_ARN = wiring.tenantAccessRoleArn;
  return env;
}
