import { registerExpiringTenantData, registerTenantData } from '../platform/tenant-data.ts';

/** Custom reports and report schedules (with their sent marks); cached results and runs expire. */
registerTenantData('reports', [
  { name: 'custom-reports', list: { index: 'GSI1', partition: ['CUSTOM-REPORTS'] } },
  { name: 'report-schedules', list: { index: 'GSI1', partition: ['REPORT-SCHEDULES'] } },
]);

registerExpiringTenantData([
  { partition: 'REPORT-CACHE', days: 7 },
  { partition: 'REPORT-RUN', days: 1 },
]);
