import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { SERVICE_SENDER_EMAIL } from './service-sender.ts';

/**
 * Runs before each test file's imports: points every AWS client at the emulators and names a
 * table of the file's own, so files run in parallel without seeing each other's data.
 * Integration tests create that table with `useTable()` (test/support/table.ts).
 */
// The worker's own DynamoDB Local (global-setup.ts starts one per worker).
const dynamodbEndpoints = inject('dynamodbEndpoints');
const dynamodb = dynamodbEndpoints[(Number(process.env.VITEST_POOL_ID ?? 1) - 1) % dynamodbEndpoints.length];
const ses = inject('sesEndpoint');

Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_ENDPOINT_URL_DYNAMODB: dynamodb,
  AWS_ENDPOINT_URL_SESV2: ses,
  // Bus, scheduler and queues are the local runtime's; tests that need them start it.
  AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_SCHEDULER: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
  TABLE_NAME: `test-${randomUUID()}`,
  EVENT_BUS_NAME: 'funnel-test',
  SCHEDULE_GROUP: 'funnel-test',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/scheduler',
  FUNCTION_ARN_PREFIX: 'arn:aws:lambda:us-east-1:000000000000:function:',
  QUEUE_URL_PREFIX: 'http://127.0.0.1:9/000000000000/',
  SES_CONFIGURATION_SET: 'funnel-test',
  SERVICE_SENDER_EMAIL,
  SES_IDENTITY_ARN_PREFIX: 'arn:aws:ses:us-east-1:000000000000:identity/',
  // Warehouse and S3 are the local runtime's; tests that query them start it.
  AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_ATHENA: 'http://127.0.0.1:9',
  S3_FORCE_PATH_STYLE: 'true',
  BUCKET_WAREHOUSE: 'warehouse',
  WAREHOUSE_DATABASE: 'funnel',
  ATHENA_WORKGROUP: 'funnel-local',
  WAREHOUSE_SQL_DIALECT: 'duckdb',
  TENANT_SCHEDULES: '[]',
  LINK_SECRET: 'test-link-secret-0123456789abcdef0123456789',
  WEBHOOK_SECRET: 'test-webhook-secret-0123456789abcdef012345',
  PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_DEV: 'false',
});
