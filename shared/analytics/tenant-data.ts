import { registerTenantData } from '../platform/tenant-data.ts';

/**
 * The latest result of each analysis, in the tenant's ANALYTICS partition. Scores live in the
 * contacts' partitions (the contacts registration reaches them), rules in the products'.
 */
registerTenantData('analytics', [{ name: 'analyses', list: { partition: ['ANALYTICS'] } }]);
