import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../platform/db/client.ts';
import { registerTenantCleanup, registerTenantData } from '../platform/tenant-data.ts';
import { senderKeys } from './keys.ts';

registerTenantData('senders', [{ name: 'sender-identities', list: { partition: ['SENDER-IDENTITIES'] } }]);

/** The tenant's SES identities (only those SES tags as the tenant's) and its SES tenant. */
registerTenantCleanup({
  name: 'ses-identities',
  run: async (tenant, db) => {
    const { deleteOwnIdentity, deleteSesTenant } = await import('./ses.ts');
    const { Items = [] } = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': senderKeys.partition(tenant), ':sk': 'IDENTITY#' },
      }),
    );
    for (const item of Items) {
      const identity = String(item.identity);
      await deleteOwnIdentity(identity, tenant);
    }
    await deleteSesTenant(tenant);
  },
});
