import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, queryAll, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { senderKeys } from './keys.ts';
import type { SenderIdentity, SenderIdentityCreate } from './schema.ts';
import {
  associateWithTenant,
  createIdentity,
  deleteOwnIdentity,
  readIdentity,
  type SesIdentity,
} from './ses.ts';

/**
 * Sender identities: the domains and addresses a tenant may send from. A tenant sends only as
 * itself: every From address must be covered by one of its verified identities (the address
 * itself, or its domain or a parent domain), which `verifiedIdentityFor` answers for the mail
 * gate and `assertVerifiedSender` for settings and mailings.
 *
 * Verification is SES's: a domain by the DKIM records SES finds in its DNS, an address by the
 * link SES mails to it. SES raises no event when that happens, so a pending identity is checked
 * with SES when it is read, and when a send needs it.
 */
const toIdentity = (item: Record<string, unknown>) => withoutKeys<SenderIdentity>(item);

function dnsRecords(domain: string, tokens: string[]) {
  return tokens.map((token) => ({
    type: 'CNAME' as const,
    name: `${token}._domainkey.${domain}`,
    value: `${token}.dkim.amazonses.com`,
  }));
}

export async function listSenderIdentities(ctx: TenantContext): Promise<SenderIdentity[]> {
  const items = await queryAll(ctx, {
    partition: senderKeys.partition(ctx.tenantId),
    sort: { beginsWith: 'IDENTITY#' },
  });
  return Promise.all(items.map(toIdentity).map((identity) => refreshed(ctx, identity)));
}

export async function getSenderIdentity(ctx: TenantContext, id: string): Promise<SenderIdentity> {
  const item = await getItem(ctx, senderKeys.identity(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Sender identity', id);
  return refreshed(ctx, toIdentity(item));
}

/** Verification needs a tenant whose admin proved their address: SES mails whatever address it is given. */
async function assertTenantVerified(ctx: TenantContext): Promise<Tenant> {
  const tenant = await getTenant(ctx);
  if (tenant.emailVerification.status !== 'verified')
    throw new ConflictError(
      "Verify the admin's email address first (POST /v1/tenant/verification sends the link again).",
      { reason: 'tenant_unverified' },
    );
  return tenant;
}

export async function createSenderIdentity(
  ctx: TenantContext,
  input: SenderIdentityCreate,
): Promise<SenderIdentity> {
  await assertTenantVerified(ctx);
  const isDomain = 'domain' in input;
  const name = isDomain ? input.domain : input.email;
  const field = isDomain ? 'body.domain' : 'body.email';
  if (!isDomain) await assertDomainNotForeign(ctx, name, field);
  const identity: SenderIdentity = {
    id: newId(),
    type: isDomain ? 'domain' : 'email_address',
    identity: name,
    status: 'pending',
    createdAt: ctx.clock.now().toISOString(),
  };
  // Claimed here first, so a tenant's two concurrent requests for one identity cannot both reach SES.
  await unitOfWork(ctx)
    .put(
      { ...senderKeys.identity(ctx.tenantId, identity.id), entity: 'SenderIdentity', ...identity },
      { condition: notExists },
    )
    .put(
      { ...senderKeys.name(ctx.tenantId, name), entity: 'SenderIdentityName', identityId: identity.id },
      {
        condition: notExists,
        onConditionFailed: (existing) =>
          new ConflictError(`${name} is already one of your sender identities.`, {
            identityId: existing?.identityId,
          }),
      },
    )
    .commit();
  let ses: SesIdentity | undefined;
  try {
    ses = (await createIdentity(name, ctx.tenantId)) ?? (await readIdentity(name));
    if (ses?.owner !== ctx.tenantId)
      throw UnprocessableError.field(field, `${name} belongs to another sender; it cannot be yours.`);
    await associateWithTenant(name, ctx.tenantId);
  } catch (error) {
    await forget(ctx, identity);
    throw error;
  }
  return saveStatus(ctx, identity, ses);
}

/** An address under a domain another tenant verified is theirs to send from, not this tenant's. */
async function assertDomainNotForeign(ctx: TenantContext, email: string, field: string): Promise<void> {
  const labels = email.split('@')[1]!.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const owner = (await readIdentity(labels.slice(i).join('.')))?.owner;
    if (owner && owner !== ctx.tenantId)
      throw UnprocessableError.field(field, `${email} is at a domain that belongs to another sender.`);
  }
}

/** An address gets a new link (SES mails one when the identity is created again); a domain, its records. */
export async function resendVerification(ctx: TenantContext, id: string): Promise<SenderIdentity> {
  const identity = await getSenderIdentity(ctx, id);
  if (identity.status === 'verified') return identity;
  if (identity.type === 'email_address') {
    await deleteOwnIdentity(identity.identity, ctx.tenantId);
    const ses = await createIdentity(identity.identity, ctx.tenantId);
    if (!ses)
      throw new ConflictError(`${identity.identity} was claimed meanwhile; delete it and start again.`);
    await associateWithTenant(identity.identity, ctx.tenantId);
    return saveStatus(ctx, identity, ses);
  }
  return identity;
}

export async function deleteSenderIdentity(ctx: TenantContext, id: string): Promise<void> {
  const identity = await getSenderIdentity(ctx, id);
  const tenant = await getTenant(ctx);
  const others = (await listSenderIdentities(ctx)).filter((i) => i.id !== id);
  if (
    covers(identity, tenant.sender.email) &&
    !others.some((i) => i.status === 'verified' && covers(i, tenant.sender.email))
  )
    throw new ConflictError(
      `${identity.identity} covers the tenant's sender ${tenant.sender.email}; change the tenant's sender first.`,
    );
  await deleteOwnIdentity(identity.identity, ctx.tenantId);
  await forget(ctx, identity);
}

async function forget(ctx: TenantContext, identity: SenderIdentity): Promise<void> {
  await unitOfWork(ctx)
    .delete(senderKeys.identity(ctx.tenantId, identity.id))
    .delete(senderKeys.name(ctx.tenantId, identity.identity))
    .commit();
}

async function refreshed(ctx: TenantContext, identity: SenderIdentity): Promise<SenderIdentity> {
  if (identity.status !== 'pending') return identity;
  const ses = await readIdentity(identity.identity);
  if (ses?.owner !== ctx.tenantId) return identity;
  return saveStatus(ctx, identity, ses);
}

async function saveStatus(
  ctx: TenantContext,
  identity: SenderIdentity,
  ses: SesIdentity | undefined,
): Promise<SenderIdentity> {
  const now = ctx.clock.now().toISOString();
  const status = ses?.verified ? 'verified' : ses?.failed ? 'failed' : 'pending';
  const next: SenderIdentity = {
    ...identity,
    status,
    ...(identity.type === 'domain' && ses
      ? { dnsRecords: dnsRecords(identity.identity, ses.dkimTokens) }
      : {}),
    ...(status === 'verified' && !identity.verifiedAt ? { verifiedAt: now } : {}),
    checkedAt: now,
  };
  await unitOfWork(ctx)
    .update(senderKeys.identity(ctx.tenantId, identity.id), {
      set: {
        status: next.status,
        dnsRecords: next.dnsRecords,
        verifiedAt: next.verifiedAt,
        checkedAt: now,
      },
      condition: (e) => `attribute_exists(${e.name('PK')})`,
    })
    .commit();
  return next;
}

function covers(identity: SenderIdentity, email: string): boolean {
  const address = email.toLowerCase();
  if (identity.type === 'email_address') return identity.identity === address;
  const domain = address.split('@')[1] ?? '';
  return domain === identity.identity || domain.endsWith(`.${identity.identity}`);
}

/** The tenant's verified identity that covers `email`, checking pending ones with SES. */
export async function verifiedIdentityFor(
  ctx: TenantContext,
  email: string,
): Promise<SenderIdentity | undefined> {
  const items = await queryAll(ctx, {
    partition: senderKeys.partition(ctx.tenantId),
    sort: { beginsWith: 'IDENTITY#' },
  });
  const covering = items.map(toIdentity).filter((identity) => covers(identity, email));
  const verified = covering.find((identity) => identity.status === 'verified');
  if (verified) return verified;
  for (const pending of covering.filter((identity) => identity.status === 'pending')) {
    const now = await refreshed(ctx, pending);
    if (now.status === 'verified') return now;
  }
  return undefined;
}

/** 422 naming `field` unless `email` is covered by one of the tenant's verified identities. */
export async function assertVerifiedSender(ctx: TenantContext, email: string, field: string): Promise<void> {
  if (await verifiedIdentityFor(ctx, email)) return;
  throw UnprocessableError.field(
    field,
    `${email} is not one of your verified sender identities; add it (or its domain) at /v1/sender-identities and verify it first.`,
  );
}

/**
 * The sign-up's sender becomes an identity once the tenant is verified: its verification starts
 * then, not at sign-up, so an unverified sign-up makes SES mail nobody. The tenant is verified
 * whatever happens here: if SES fails now, the admin adds the address at /v1/sender-identities.
 */
export async function adoptSignupSender(ctx: TenantContext, email: string): Promise<void> {
  try {
    if (await verifiedIdentityFor(ctx, email)) return;
    await createSenderIdentity(ctx, { email });
  } catch (error) {
    ctx.logger.warn('sign-up sender not adopted', { error: String(error) });
  }
}
