import { bucketName } from '../platform/buckets.ts';
import { registerTenantCleanup, registerTenantData } from '../platform/tenant-data.ts';
import { LAYOUT, TENANT_PARTITION } from './schema.ts';

/** The warehouse's state and backfills; the facts themselves are in S3, under `tenant=<id>/`. */
registerTenantData('warehouse', [{ name: 'warehouse', list: { partition: ['WAREHOUSE'] } }]);

/** The tenant's facts (`facts/tenant=<id>/`) and rejected events. */
registerTenantCleanup({
  name: 'warehouse-facts',
  run: async (tenant) => {
    const { deletePrefix } = await import('../platform/aws/s3-prefix.ts');
    const bucket = bucketName('warehouse');
    await deletePrefix(bucket, `${LAYOUT.facts}${TENANT_PARTITION}=${tenant}/`);
    await deletePrefix(bucket, `${LAYOUT.rejected}${TENANT_PARTITION}=${tenant}/`);
  },
});
