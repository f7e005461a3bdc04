import { asTenantId, type TenantId } from '../platform/db/keys.ts';

/**
 * The operator tenant: the company running the service, itself a tenant, so that its invoices to
 * the other tenants go through the invoicing module (numbering, PDFs, dunning) like anyone's.
 * On AWS its id is the stack's `operatorTenantId` context value; locally the runtime signs it up
 * on the first start and sets `OPERATOR_TENANT_ID` before any operator call. Read per call, not at
 * import, because locally the tenant exists only once the API is up.
 */
export function operatorTenantId(): TenantId {
  const raw = process.env.OPERATOR_TENANT_ID;
  if (!raw) throw new Error('OPERATOR_TENANT_ID is not set: the operator tenant is not configured.');
  return asTenantId(raw);
}

export function operatorConfigured(): boolean {
  return Boolean(process.env.OPERATOR_TENANT_ID);
}
