/**
 * Roles of a tenant's members. Each route names the roles it admits (functions/app/*.ts); the
 * full table is in docs/api-conventions.md.
 */
export const ROLES = ['admin', 'sales', 'marketing', 'finance', 'support', 'readonly'] as const;
export type Role = (typeof ROLES)[number];

/** Role sets used by route declarations, named for what they let a member do. */
export const anyMember: readonly Role[] = ROLES;
export const adminOnly: readonly Role[] = ['admin'];
export const customerFacing: readonly Role[] = ['admin', 'sales', 'marketing', 'finance', 'support'];
export const salesTeam: readonly Role[] = ['admin', 'sales'];
export const marketingTeam: readonly Role[] = ['admin', 'marketing'];
export const financeTeam: readonly Role[] = ['admin', 'finance'];

/** What the authorizer established about the caller of a request. */
export interface Principal {
  tenantId: string;
  memberId: string;
  role: Role;
  /** The API key used; absent when the member signed in to the console (a Cognito session). */
  keyId?: string;
}
