import { StartupError } from '../../infra/local/dynamodb.ts';
import { freePort } from '../../infra/local/ports.ts';
import { type LocalRuntime, type RuntimeOptions, startLocalRuntime } from '../../infra/local/runtime.ts';
import { verifyTenantByMail } from '../../infra/local/verify-by-mail.ts';
import { Api } from './api.ts';
import { signupBody } from './signup-body.ts';

/**
 * Times a test runtime picks its ports again when one was taken: `freePort()` finds a port free,
 * and another test file (or the bench beside the suite) may bind it before the runtime does.
 */
const PORT_ATTEMPTS = 3;

/**
 * The local runtime for an end-to-end test file: in memory, on free ports, sharing the test run's
 * DynamoDB Local (with the file's own table). Stop it in afterAll.
 */
export async function startTestRuntime(options: RuntimeOptions = {}): Promise<LocalRuntime> {
  // Webhook receivers of tests listen on 127.0.0.1: the one setting that lets the runtime call them.
  process.env.WEBHOOK_ALLOW_LOOPBACK = 'true';
  for (let attempt = 1; ; attempt++) {
    const [port, sesPort, awsPort, s3Port] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    try {
      return await startLocalRuntime({
        dataDir: null,
        dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
        tableName: process.env.TABLE_NAME!,
        port,
        sesPort,
        awsPort,
        s3Port,
        smtpPort: 0,
        seedDemoTenant: false,
        logLevel: 'SILENT',
        ...options,
      });
    } catch (error) {
      // startLocalRuntime has stopped what it started; a port taken in between is worth a retry.
      if (attempt >= PORT_ATTEMPTS || !portTaken(error)) throw error;
    }
  }
}

function portTaken(error: unknown): boolean {
  return (
    error instanceof StartupError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE'
  );
}

export interface SignedUpTenant {
  tenantId: string;
  adminId: string;
  adminKey: string;
  /** The API as the tenant's admin. */
  api: Api;
}

/**
 * Signs a tenant up over HTTP, as a new customer would, and (unless `verify: false`) verifies it
 * as they would: the admin follows the link mailed to them, then the sender address follows the
 * one SES mails it. The tenant may then send email and add members.
 */
export async function signUpOverHttp(
  runtime: Pick<LocalRuntime, 'urls' | 'settle'>,
  overrides: Record<string, unknown> = {},
  options: { verify?: boolean } = {},
): Promise<SignedUpTenant> {
  const baseUrl = runtime.urls.api;
  const body = { ...signupBody(), ...overrides };
  const response = await new Api(baseUrl).post('/v1/tenants', body);
  if (response.status !== 201) throw new Error(`Sign-up failed: ${response.status} ${response.text}`);
  const { tenant, admin, apiKey } = response.body;
  if (options.verify ?? true) {
    await verifyTenantByMail(runtime, admin.email, tenant.sender.email);
    await runtime.settle();
  }
  return { tenantId: tenant.id, adminId: admin.id, adminKey: apiKey.key, api: new Api(baseUrl, apiKey.key) };
}
/** A member of `role` in the admin's tenant, and an API key acting as them. */
export async function memberWithKey(admin: Api, role: string): Promise<{ memberId: string; api: Api }> {
  const unique = Math.random().toString(36).slice(2, 10);
  const member = await admin.post('/v1/members', {
    name: `${role} ${unique}`,
    email: `${role}-${unique}@example.com`,
    role,
  });
  if (member.status !== 201) throw new Error(`Member creation failed: ${member.status} ${member.text}`);
  const key = await admin.post('/v1/api-keys', { name: `${role} key`, memberId: member.body.id });
  if (key.status !== 201) throw new Error(`Key creation failed: ${key.status} ${key.text}`);
  return { memberId: member.body.id, api: admin.as(key.body.key) };
}
