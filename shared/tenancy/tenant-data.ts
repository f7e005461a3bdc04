import { registerSecrets, registerTenantCleanup, registerTenantData } from '../platform/tenant-data.ts';

/** Tenancy's items: the tenant's settings, its members (and their logins), API keys and audit trail. */
registerTenantData('tenancy', [
  { name: 'members', list: { partition: ['MEMBERS'] } },
  { name: 'api-keys', list: { partition: ['APIKEYS'] } },
  { name: 'audit', list: { partition: ['AUDIT'] } },
  // Last: a deletion that stops half-way still finds the tenant, and what it says about the deletion.
  { name: 'tenant', list: { partition: ['TENANT'] } },
]);

registerSecrets('ApiKey', ['secretHash']);

/** The tenant's per-tenant schedules (daily jobs in its time zone). */
registerTenantCleanup({
  name: 'tenant-schedules',
  run: async (tenant) => {
    const { deleteTenantSchedules } = await import('../platform/tenant-schedules.ts');
    await deleteTenantSchedules(tenant);
  },
});
