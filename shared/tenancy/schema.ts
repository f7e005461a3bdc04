import * as z from 'zod/mini';
import { ROLES } from '../platform/auth.ts';
import { DEFAULT_LOCALE } from '../platform/i18n/locales.ts';
import { Locale } from '../platform/i18n/schema.ts';
import { lazy } from '../platform/lazy.ts';
import { Currency, Email, Id, IsoDateTime, NonEmpty, named, TimeZone } from '../platform/schema.ts';
import { secretField } from '../platform/secret-fields.ts';

export const Role = named(
  'Role',
  lazy(() => z.enum(ROLES)),
  'What a member may do; see the roles table in the API guide.',
);

export const PostalAddress = named(
  'PostalAddress',
  lazy(() =>
    z.object({
      lines: z.array(NonEmpty(200)).check(z.minLength(1), z.maxLength(4)),
      city: NonEmpty(100),
      postalCode: z.optional(z.string().check(z.trim(), z.maxLength(20))),
      region: z.optional(NonEmpty(100)),
      country: z
        .string()
        .check(z.regex(/^[A-Z]{2}$/, { message: 'Must be an ISO 3166-1 alpha-2 code such as FR.' })),
    }),
  ),
);

export const Sender = named(
  'Sender',
  lazy(() => z.object({ name: NonEmpty(100), email: Email })),
  "Who the tenant's mail comes from. In AWS the address (or its domain) must be a verified SES identity.",
);

export const TenantSettings = named(
  'TenantSettings',
  lazy(() =>
    z.object({
      /** Days after a quote request with no quote sent before its owner is reminded. */
      quoteFollowUpDays: z._default(z.int().check(z.minimum(1), z.maximum(90)), 3),
      /** Accept orders beyond available stock (they wait for replenishment). */
      allowBackorders: z._default(z.boolean(), false),
      /** Email drafted purchase orders to the supplier without review. */
      emailPurchaseOrders: z._default(z.boolean(), false),
      /** Local hour (0-23) at which daily jobs (dunning sweep, overdue-task digest) run. */
      dailyJobHour: z._default(z.int().check(z.minimum(0), z.maximum(23)), 8),
    }),
  ),
);

const tenantFields = {
  name: NonEmpty(200),
  timeZone: TimeZone,
  currency: Currency,
  sender: Sender,
  replyTo: lazy(() => z.optional(Email)),
  postalAddress: PostalAddress,
  financeEmail: Email,
};

export const EmailVerification = named(
  'EmailVerification',
  lazy(() =>
    z.object({
      status: z.enum(['pending', 'verified']),
      /** The first admin's address, proved by following the link mailed to it. */
      email: z.string(),
      verifiedAt: z.optional(IsoDateTime),
    }),
  ),
  'Whether the first admin proved their email address. Until then the tenant sends no email and adds no members.',
);
export type EmailVerification = z.infer<typeof EmailVerification>;
export const LinkKeys = named(
  'LinkKeys',
  lazy(() =>
    z.object({
      /** The key generation new signed links (unsubscribe, preferences, surveys, self-service) use. */
      generation: z.int(),
      rotatedAt: z.optional(IsoDateTime),
      /** Links signed with this earlier generation still work until `previousValidUntil`. */
      previousGeneration: z.optional(z.int()),
      previousValidUntil: z.optional(IsoDateTime),
    }),
  ),
  "Which keys sign the tenant's links; rotate them with POST /v1/tenant/link-keys/rotate.",
);
export type LinkKeys = z.infer<typeof LinkKeys>;

export const LinkKeyRotation = named(
  'LinkKeyRotation',
  lazy(() =>
    z.object({
      retirePrevious: z._default(z.enum(['after-overlap', 'now']), 'after-overlap'),
    }),
  ),
);

export const Tenant = named(
  'Tenant',
  lazy(() =>
    z.object({
      id: Id,
      ...tenantFields,
      /** Mail and pages for the tenant's people, and for contacts without a locale of their own. */
      locale: Locale,
      settings: TenantSettings,
      emailVerification: EmailVerification,
      linkKeys: z.optional(LinkKeys),
      /** `frozen` once an admin confirmed the tenant's deletion: writes and mail are refused until it is cancelled or done. */
      status: z.optional(z.enum(['active', 'frozen'])),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
);
export type Tenant = z.infer<typeof Tenant>;

export const TenantSignup = named(
  'TenantSignup',
  lazy(() =>
    z.object({
      ...tenantFields,
      locale: z._default(Locale, DEFAULT_LOCALE),
      settings: z.optional(z.partial(TenantSettings)),
      admin: z.object({ name: NonEmpty(200), email: Email }),
    }),
  ),
);
export type TenantSignup = z.infer<typeof TenantSignup>;

export const TenantUpdate = named(
  'TenantUpdate',
  lazy(() =>
    z.object({
      name: z.optional(tenantFields.name),
      timeZone: z.optional(tenantFields.timeZone),
      currency: z.optional(tenantFields.currency),
      sender: z.optional(tenantFields.sender),
      replyTo: z.optional(z.nullable(Email)),
      postalAddress: z.optional(tenantFields.postalAddress),
      financeEmail: z.optional(tenantFields.financeEmail),
      locale: z.optional(Locale),
      settings: z.optional(z.partial(TenantSettings)),
    }),
  ),
);
export type TenantUpdate = z.infer<typeof TenantUpdate>;

export const Member = named(
  'Member',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      email: z.string(),
      role: Role,
      team: z.optional(z.string()),
      status: z.enum(['active', 'deactivated']),
      createdAt: IsoDateTime,
      updatedAt: IsoDateTime,
      version: z.int(),
    }),
  ),
);
export type Member = z.infer<typeof Member>;

export const MemberCreate = named(
  'MemberCreate',
  lazy(() => z.object({ name: NonEmpty(200), email: Email, role: Role, team: z.optional(NonEmpty(100)) })),
);
export type MemberCreate = z.infer<typeof MemberCreate>;

export const MemberUpdate = named(
  'MemberUpdate',
  lazy(() =>
    z.object({
      name: z.optional(NonEmpty(200)),
      email: z.optional(Email),
      role: z.optional(Role),
      team: z.optional(z.nullable(NonEmpty(100))),
    }),
  ),
);
export type MemberUpdate = z.infer<typeof MemberUpdate>;

export const ApiKey = named(
  'ApiKey',
  lazy(() =>
    z.object({
      id: Id,
      name: z.string(),
      memberId: Id,
      role: Role,
      /** Enough of the key to recognise it; the secret itself is never stored. */
      prefix: z.string(),
      status: z.enum(['active', 'revoked']),
      createdAt: IsoDateTime,
      createdBy: z.string(),
      lastUsedAt: z.optional(IsoDateTime),
      revokedAt: z.optional(IsoDateTime),
    }),
  ),
);
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyCreate = named(
  'ApiKeyCreate',
  lazy(() =>
    z.object({
      name: NonEmpty(100),
      /** The member the key acts as; the caller by default. */
      memberId: z.optional(Id),
    }),
  ),
);
export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>;

export const ApiKeyCreated = named(
  'ApiKeyCreated',
  lazy(() => z.extend(ApiKey, { key: secretField(z.string()) })),
  'The new key, with its secret `key`: shown this once, store it now.',
);
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

export const VerificationLinkSent = named(
  'VerificationLinkSent',
  lazy(() => z.object({ sentTo: z.string(), expiresAt: IsoDateTime })),
);

export const SignupResult = named(
  'SignupResult',
  lazy(() => z.object({ tenant: Tenant, admin: Member, apiKey: ApiKeyCreated })),
);

export const AuditEntry = named(
  'AuditEntry',
  lazy(() =>
    z.object({
      id: Id,
      at: IsoDateTime,
      action: z.string(),
      actor: z.string(),
      target: z.object({ type: z.string(), id: z.string() }),
      changes: z.optional(z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() }))),
    }),
  ),
);
export type AuditEntry = z.infer<typeof AuditEntry>;
