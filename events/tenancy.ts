import * as z from 'zod/mini';
import { lazy } from '../shared/platform/lazy.ts';
import { defineEvent } from './define.ts';

export const TenantCreated = defineEvent(
  'tenancy',
  'TenantCreated',
  'A company signed up; per-tenant schedules are provisioned from this event.',
  lazy(() => z.object({ name: z.string(), timeZone: z.string() })),
);

export const TenantSettingsChanged = defineEvent(
  'tenancy',
  'TenantSettingsChanged',
  'Tenant settings changed; `fields` names what changed. A new time zone moves per-tenant schedules.',
  lazy(() => z.object({ fields: z.array(z.string()), timeZone: z.string() })),
);

export const MemberAdded = defineEvent(
  'tenancy',
  'MemberAdded',
  'A member joined the tenant.',
  lazy(() => z.object({ memberId: z.string(), role: z.string(), team: z.optional(z.string()) })),
);

export const MemberRoleChanged = defineEvent(
  'tenancy',
  'MemberRoleChanged',
  "A member's role changed; their API keys act with the new role from now on.",
  lazy(() => z.object({ memberId: z.string(), from: z.string(), to: z.string() })),
);

export const MemberDeactivated = defineEvent(
  'tenancy',
  'MemberDeactivated',
  'A member left; their API keys were revoked in the same change.',
  lazy(() => z.object({ memberId: z.string(), revokedKeys: z.number() })),
);

export const ApiKeyCreated = defineEvent(
  'tenancy',
  'ApiKeyCreated',
  'An API key was created.',
  lazy(() => z.object({ keyId: z.string(), memberId: z.string() })),
);

export const ApiKeyRevoked = defineEvent(
  'tenancy',
  'ApiKeyRevoked',
  'An API key was revoked; it stops working within the authorizer cache TTL.',
  lazy(() => z.object({ keyId: z.string(), memberId: z.string() })),
);

export const TenantVerified = defineEvent(
  'tenancy',
  'TenantVerified',
  'The first admin followed the link mailed at sign-up: the tenant may now send email and add members, and its per-tenant schedules are provisioned.',
  lazy(() => z.object({ timeZone: z.string() })),
);
