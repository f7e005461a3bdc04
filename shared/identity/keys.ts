import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * A member's sign-in (their Cognito user) lives beside the member in the tenant's small member
 * partition, so the authorizer reads both in parallel from the ids a verified token names.
 * See docs/data-model.md (Identity).
 */
export const identityKeys = {
  login: (t: TenantId, memberId: string) => ({ PK: tenantKey(t, 'MEMBERS'), SK: `LOGIN#${memberId}` }),
};
