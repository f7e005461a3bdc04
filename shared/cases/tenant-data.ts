import { registerTenantData } from '../platform/tenant-data.ts';

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
