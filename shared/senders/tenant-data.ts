import { registerTenantData } from '../platform/tenant-data.ts';

registerTenantData('senders', [{ name: 'sender-identities', list: { partition: ['SENDER-IDENTITIES'] } }]);
