import type { Role } from './auth.ts';
import type { TenantContext } from './context.ts';

/**
 * Sales and support members work their own records: a contact, lead or task they create without
 * naming an owner is theirs, so "assign to the owner" rules find someone. Other roles (an admin
 * importing, marketing, finance) create records for others and leave them unassigned, as do
 * automations and imports.
 */
export const RECORD_OWNING_ROLES: readonly Role[] = ['sales', 'support'];

/** The member who owns what the caller creates without naming an owner, if the caller's role owns records. */
export function defaultOwnerId(ctx: TenantContext): string | undefined {
  const actor = ctx.actor;
  return actor.type === 'member' && RECORD_OWNING_ROLES.includes(actor.role) ? actor.memberId : undefined;
}
