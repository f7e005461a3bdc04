import { registerTenantData } from '../platform/tenant-data.ts';

/** The warehouse's state and backfills; the facts themselves are in S3, under `tenant=<id>/`. */
registerTenantData('warehouse', [{ name: 'warehouse', list: { partition: ['WAREHOUSE'] } }]);
