import { inject } from 'vitest';
import { freePort } from '../../infra/local/ports.ts';
import { type LocalRuntime, type RuntimeOptions, startLocalRuntime } from '../../infra/local/runtime.ts';
import { Api } from './api.ts';
import { signupBody } from './tenants.ts';

/**
 * The local runtime for an end-to-end test file: in memory, on free ports, sharing the test run's
 * DynamoDB Local (with the file's own table). Stop it in afterAll.
 */
export async function startTestRuntime(options: RuntimeOptions = {}): Promise<LocalRuntime> {
  const [port, sesPort, awsPort, s3Port] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  return startLocalRuntime({
    dataDir: null,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName: process.env.TABLE_NAME!,
    port,
    sesPort,
    awsPort,
    s3Port,
    seedDemoTenant: false,
    logLevel: 'SILENT',
    ...options,
  });
}

export interface SignedUpTenant {
  tenantId: string;
  adminId: string;
  adminKey: string;
  /** The API as the tenant's admin. */
  api: Api;
}

/** Signs a tenant up over HTTP, as a new customer would. */
export async function signUpOverHttp(
  baseUrl: string,
  overrides: Record<string, unknown> = {},
): Promise<SignedUpTenant> {
  const response = await new Api(baseUrl).post('/v1/tenants', { ...signupBody(), ...overrides });
  if (response.status !== 201) throw new Error(`Sign-up failed: ${response.status} ${response.text}`);
  const { tenant, admin, apiKey } = response.body;
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
