import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork, whileVersion } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError } from '../platform/errors.ts';
import {
  claimedTenant,
  type LinkCheck,
  type LinkClaims,
  type LinkKeyring,
  type LinkPurpose,
  signLink,
  verifyLink,
} from '../platform/signed-links.ts';
import { recordAudit } from './audit.ts';
import { tenancyKeys } from './keys.ts';
import { getTenant, toTenant } from './records.ts';
import type { LinkKeys, Tenant } from './schema.ts';

/**
 * A tenant's link keys: which generation signs its links, and until when the one before still
 * verifies. Unsubscribe and preference links never expire (RFC 8058: they must work for as long
 * as the email sits in a mailbox), so rotating is how a tenant takes back links it believes were
 * leaked or forwarded. By default the previous generation keeps working for
 * LINK_KEY_OVERLAP_DAYS, so that the unsubscribe links of recent mail still work while new mail
 * carries new links; `retirePrevious: "now"` stops them at once (a leak). Only one previous
 * generation is kept: a second rotation within the overlap retires the older one at once.
 */
export const LINK_KEY_OVERLAP_DAYS = 30;

/** A tenant that never rotated signs with generation 1. */
const INITIAL: LinkKeys = { generation: 1 };

export function linkKeysOf(tenant: Pick<Tenant, 'linkKeys'>): LinkKeys {
  return tenant.linkKeys ?? INITIAL;
}

export function keyringOf(tenant: Pick<Tenant, 'id' | 'linkKeys'>): LinkKeyring {
  const keys = linkKeysOf(tenant);
  return {
    tenantId: tenant.id,
    current: keys.generation,
    ...(keys.previousGeneration !== undefined
      ? {
          previous: {
            generation: keys.previousGeneration,
            ...(keys.previousValidUntil ? { until: keys.previousValidUntil } : {}),
          },
        }
      : {}),
  };
}

/** A signed link token for one of the tenant's people, with the tenant's current key. */
export function signTenantLink(
  tenant: Pick<Tenant, 'id' | 'linkKeys'>,
  purpose: LinkPurpose,
  claims: Omit<LinkClaims, 't'>,
  expiresAt?: Date,
): Promise<string> {
  return signLink(purpose, { t: tenant.id, ...claims }, linkKeysOf(tenant).generation, expiresAt);
}

export type OpenedLink =
  | { ok: true; ctx: TenantContext; tenant: Tenant; claims: LinkClaims }
  /**
   * `tenant` when the token named an existing tenant; `ctx` and `claims` too when the token is
   * genuine but expired or retired, so the page can find its reader and speak their language.
   */
  | {
      ok: false;
      reason: Extract<LinkCheck, { ok: false }>['reason'];
      tenant?: Tenant;
      ctx?: TenantContext;
      claims?: LinkClaims;
    };

/**
 * Verifies a link token against its tenant's keys, and gives the tenant's context and record
 * (which every page that opens a link needs anyway, so the check costs no extra read).
 * `contextFor` builds the context of the tenant the token names; it is trusted only once the
 * signature holds.
 */
export async function openTenantLink(
  purpose: LinkPurpose,
  token: string,
  contextFor: (tenantId: string, subject: string) => TenantContext,
  now: Date,
): Promise<OpenedLink> {
  const tenantId = await claimedTenant(token);
  if (!tenantId) return { ok: false, reason: 'invalid' };
  let ctx: TenantContext;
  let tenant: Tenant;
  try {
    ctx = contextFor(tenantId, '');
    tenant = await getTenant(ctx);
  } catch (error) {
    // Not a tenant id, or a tenant that no longer exists: the link does not work.
    if (error instanceof NotFoundError || error instanceof TypeError) return { ok: false, reason: 'invalid' };
    throw error;
  }
  const check = await verifyLink(purpose, token, keyringOf(tenant), now);
  if (!check.ok)
    return check.claims
      ? { ...check, tenant, ctx: contextFor(tenantId, check.claims.s) }
      : { ok: false, reason: check.reason, tenant };
  return { ok: true, ctx: contextFor(tenantId, check.claims.s), tenant, claims: check.claims };
}

export interface Rotation {
  retirePrevious?: 'after-overlap' | 'now';
}

/**
 * Starts a new key generation. Links signed before stop working after the overlap (or at once);
 * links signed from now on use the new key. Guarded by the tenant's version: of two concurrent
 * rotations one wins and the other is a 409, so a generation is never skipped or reused.
 */
export async function rotateLinkKeys(ctx: TenantContext, rotation: Rotation): Promise<LinkKeys> {
  const item = await getItem(ctx, tenancyKeys.tenant(ctx.tenantId), { consistent: true });
  if (!item) throw new NotFoundError('Tenant', ctx.tenantId);
  const tenant = toTenant(item);
  const before = linkKeysOf(tenant);
  const now = ctx.clock.now();
  const until =
    rotation.retirePrevious === 'now' ? now : new Date(now.getTime() + LINK_KEY_OVERLAP_DAYS * 86_400_000);
  const next: LinkKeys = {
    generation: before.generation + 1,
    rotatedAt: now.toISOString(),
    previousGeneration: before.generation,
    previousValidUntil: until.toISOString(),
  };
  const uow = unitOfWork(ctx).update(tenancyKeys.tenant(ctx.tenantId), {
    set: { linkKeys: next, updatedAt: next.rotatedAt },
    ...whileVersion(
      tenant.version,
      () =>
        new ConflictError('The link keys were rotated or the tenant changed meanwhile; read it and retry.'),
    ),
  });
  recordAudit(uow, ctx, {
    action: 'tenant.link-keys.rotated',
    target: { type: 'tenant', id: ctx.tenantId },
    changes: {
      'linkKeys.generation': { from: before.generation, to: next.generation },
      'linkKeys.previousValidUntil': { from: before.previousValidUntil ?? null, to: next.previousValidUntil },
    },
  });
  await uow.commit();
  return next;
}
