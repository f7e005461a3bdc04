import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/** The operator's items, in the operator tenant's partitions (docs/data-model.md, Operator). */
export const operatorKeys = {
  credentials: (op: TenantId) => tenantKey(op, 'OPERATOR', 'KEYS'),
  credential: (op: TenantId, id: string) => ({ PK: tenantKey(op, 'OPERATOR', 'KEYS'), SK: `KEY#${id}` }),
};
