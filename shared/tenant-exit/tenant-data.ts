import { bucketName } from '../platform/buckets.ts';
import { registerTenantCleanup, registerTenantData } from '../platform/tenant-data.ts';

/** The tenant's exports: their records, and their files under `tenant=<id>/` in the exports bucket. */
registerTenantData('tenant-exit', [
  { name: 'tenant-exports', list: { index: 'GSI1', partition: ['TENANT-EXPORTS'] } },
]);

registerTenantCleanup({
  name: 'export-files',
  run: async (tenant) => {
    const { deletePrefix } = await import('../platform/aws/s3-prefix.ts');
    await deletePrefix(bucketName('tenant-exports'), `tenant=${tenant}/`);
  },
});

registerTenantCleanup({
  name: 'unverified-removal-schedule',
  run: async (tenant) => {
    const { deleteUnverifiedRemoval } = await import('./unverified.ts');
    await deleteUnverifiedRemoval(tenant);
  },
});
