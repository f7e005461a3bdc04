import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../platform/db/client.ts';
import { tenantKey } from '../platform/db/keys.ts';
import { registerTenantCleanup } from '../platform/tenant-data.ts';

/**
 * The members' Cognito users (their login items, `LOGIN#` in the members partition, are tenancy's
 * partition and go with it). A user another tenant's member signs in with is never this tenant's
 * (`unavailable` logins name no user of ours).
 */
registerTenantCleanup({
  name: 'cognito-users',
  run: async (tenant, db) => {
    const [{ AdminDeleteUserCommand, UserNotFoundException }, { cognito }, { identityConfig }] =
      await Promise.all([
        import('@aws-sdk/client-cognito-identity-provider'),
        import('./cognito.ts'),
        import('./config.ts'),
      ]);
    const { Items = [] } = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': tenantKey(tenant, 'MEMBERS'), ':sk': 'LOGIN#' },
      }),
    );
    for (const login of Items) {
      if (login.status === 'unavailable' || typeof login.username !== 'string') continue;
      try {
        await cognito.send(
          new AdminDeleteUserCommand({ UserPoolId: identityConfig.USER_POOL_ID, Username: login.username }),
        );
      } catch (error) {
        if (!(error instanceof UserNotFoundException)) throw error;
      }
    }
  },
});
