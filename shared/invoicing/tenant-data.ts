import { registerTenantData } from '../platform/tenant-data.ts';
import { invoiceKeys } from './keys.ts';

registerTenantData('invoicing', [
  {
    name: 'invoices',
    list: { index: 'GSI1', partition: ['INVOICES'] },
    related: (item, t) => ({
      keys:
        item.entity === 'Invoice' && typeof item.number === 'string'
          ? [invoiceKeys.number(t, item.number)]
          : [],
    }),
  },
  { name: 'invoice-numbers', list: { partition: ['INVOICE-NUMBERS'] } },
  { name: 'dunning-policy', list: { partition: ['DUNNING-POLICY'] } },
]);
