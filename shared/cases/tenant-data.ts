import { tenantContext } from '../platform/context.ts';
import { queryEach } from '../platform/db/repository.ts';
import { registerTenantCleanup, registerTenantData } from '../platform/tenant-data.ts';
import { caseKeys } from './keys.ts';

/**
 * Cases with their partitions (messages, mail guards) and the Message-ID items of each case, and
 * the case number counter. Raw received mail is not the tenant's alone (one object per message,
 * keyed by arrival): it expires from the inbound bucket after 90 days (docs/contact-centre.md).
 */
registerTenantData('cases', [
  {
    name: 'cases',
    list: { index: 'GSI1', partition: ['CASES'] },
    related: (item) =>
      item.entity === 'Case'
        ? { listings: [{ index: 'GSI1', partition: ['CASE-MAILREFS', String(item.id)] }] }
        : {},
  },
  { name: 'case-numbers', list: { partition: ['CASE-NUMBERS'] } },
  { name: 'case-settings', list: { partition: ['CASE-SETTINGS'] } },
]);

/** The SLA schedules of the tenant's cases (named by case, not by tenant) go before the cases do. */
registerTenantCleanup({
  name: 'case-sla-schedules',
  run: async (tenant) => {
    const [{ deleteSchedule }, { slaScheduleName }] = await Promise.all([
      import('../platform/aws/scheduler.ts'),
      import('./sla.ts'),
    ]);
    const ctx = tenantContext({ tenantId: tenant, actor: { type: 'system', process: 'tenant-purge' } });
    for await (const item of queryEach(ctx, { index: 'GSI1', partition: caseKeys.list(tenant) })) {
      if (item.entity === 'Case' && item.sla && !item.slaBreached)
        await deleteSchedule(slaScheduleName(String(item.id)));
    }
  },
});
