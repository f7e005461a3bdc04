import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { readEnv, required } from '../config.ts';
import { lazy } from '../lazy.ts';
import type { TenantId } from './keys.ts';

const env = readEnv({
  TABLE_NAME: required(),
  /**
   * Set in AWS for request handlers: a role whose policy only allows keys starting with the
   * caller's tenant (`dynamodb:LeadingKeys`), assumed with the tenant as a session tag.
   */
  TENANT_ACCESS_ROLE_ARN: lazy(() => z.optional(z.string())),
});

export const tableName = env.TABLE_NAME;

const marshalling = {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  unmarshallOptions: { wrapNumbers: false },
};

interface Clients {
  raw: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

function clients(raw: DynamoDBClient): Clients {
  return { raw, doc: DynamoDBDocumentClient.from(raw, marshalling) };
}

/** The function's own clients: jobs, event consumers and workers, which act for many tenants. */
const own = clients(new DynamoDBClient({}));
export const db = own.doc;

const tenantClients = new Map<TenantId, Clients>();
const MAX_CACHED_TENANTS = 500;

/**
 * The client request handlers use for one tenant. In AWS it carries credentials of the tenant
 * access role, session-tagged with the tenant, so IAM itself refuses any key of another tenant;
 * credentials are cached and refreshed by the provider. Locally there is no IAM: the same client.
 */
export function dbFor(tenant: TenantId): DynamoDBDocumentClient {
  return clientsFor(tenant).doc;
}

/** The low-level client behind `dbFor`, for libraries that marshal items themselves. */
export function rawDbFor(tenant: TenantId): DynamoDBClient {
  return clientsFor(tenant).raw;
}

function clientsFor(tenant: TenantId): Clients {
  const roleArn = env.TENANT_ACCESS_ROLE_ARN;
  if (!roleArn) return own;
  let client = tenantClients.get(tenant);
  if (!client) {
    if (tenantClients.size >= MAX_CACHED_TENANTS) tenantClients.clear();
    const credentials = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: `tenant-${tenant}`,
        Tags: [{ Key: 'TenantId', Value: tenant }],
        DurationSeconds: 3600,
      },
    });
    client = clients(new DynamoDBClient({ credentials }));
    tenantClients.set(tenant, client);
  }
  return client;
}
