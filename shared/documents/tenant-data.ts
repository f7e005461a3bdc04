import { bucketName } from '../platform/buckets.ts';
import { registerTenantCleanup, registerTenantData } from '../platform/tenant-data.ts';
import { DOCUMENTS_BUCKET, documentPrefix } from './keys.ts';

/** Documents with their listing items; their files are under the tenant's prefix of the bucket. */
registerTenantData('documents', [{ name: 'documents', list: { index: 'GSI2', partition: ['DOCUMENTS'] } }]);

registerTenantCleanup({
  name: 'documents-files',
  run: async (tenant) => {
    const { deletePrefix } = await import('../platform/aws/s3-prefix.ts');
    await deletePrefix(bucketName(DOCUMENTS_BUCKET), documentPrefix(tenant));
  },
});
