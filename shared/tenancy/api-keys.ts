import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiKeyCreated as ApiKeyCreatedEvent, ApiKeyRevoked } from '../../events/tenancy.ts';
import type { Principal, Role } from '../platform/auth.ts';
import { type Clock, systemClock } from '../platform/clock.ts';
import { type TenantContext, tenantContext } from '../platform/context.ts';
import { exists } from '../platform/db/expressions.ts';
import { asTenantId } from '../platform/db/keys.ts';
import {
  getItem,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { bearerToken } from '../platform/http/bearer.ts';
import { newId } from '../platform/ids.ts';
import { recordAudit } from './audit.ts';
import { tenancyKeys } from './keys.ts';
import { getMember } from './records.ts';
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, Member } from './schema.ts';

/**
 * API keys: `fcrm_<tenant id><key id><secret>`. The tenant and key ids let the authorizer read
 * exactly one item in the tenant's own partition; the 256-bit secret is stored only as its
 * SHA-256 (a slow hash adds nothing for random secrets of this size). A key acts with its
 * member's role, copied onto the key and kept in step when the role changes.
 */
const KEY_PATTERN = /^fcrm_([0-9A-HJKMNP-TV-Z]{26})([0-9A-HJKMNP-TV-Z]{26})([A-Za-z0-9_-]{43})$/;

/** Recording "last used" costs a write; once an hour per key is precise enough. */
const LAST_USED_PRECISION_MS = 3600_000;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function toApiKey(item: Record<string, unknown>): ApiKey {
  const { secretHash: _hidden, ...key } = withoutKeys<ApiKey & { secretHash?: string }>(item);
  return key;
}

/** Adds a new key for `member` to the unit of work and returns it with its secret. */
export function issueApiKey(
  uow: UnitOfWork,
  ctx: TenantContext,
  name: string,
  member: Pick<Member, 'id' | 'role'>,
): ApiKeyCreated {
  const id = newId();
  const secret = randomBytes(32).toString('base64url');
  const key: ApiKey = {
    id,
    name,
    memberId: member.id,
    role: member.role,
    prefix: `fcrm_…${secret.slice(-4)}`,
    status: 'active',
    createdAt: ctx.clock.now().toISOString(),
    createdBy: ctx.actor.type === 'member' ? ctx.actor.memberId : member.id,
  };
  uow.put({
    ...tenancyKeys.apiKey(ctx.tenantId, id),
    entity: 'ApiKey',
    ...key,
    secretHash: hashSecret(secret),
  });
  recordAudit(uow, ctx, { action: 'api_key.created', target: { type: 'api_key', id } });
  uow.publish(ApiKeyCreatedEvent, { keyId: id, memberId: member.id });
  return { ...key, key: `fcrm_${ctx.tenantId}${id}${secret}` };
}

export async function createApiKey(ctx: TenantContext, input: ApiKeyCreate): Promise<ApiKeyCreated> {
  const memberId = input.memberId ?? (ctx.actor.type === 'member' ? ctx.actor.memberId : undefined);
  if (!memberId) throw ValidationError.field('body.memberId', 'Name the member the key acts as.');
  const member = await getMember(ctx, memberId).catch((error) => {
    if (error instanceof NotFoundError)
      throw ValidationError.field('body.memberId', `No member ${memberId}.`);
    throw error;
  });
  if (member.status !== 'active')
    throw new ConflictError(`Member ${memberId} is deactivated; a key for them would not work.`);
  const uow = unitOfWork(ctx);
  const created = issueApiKey(uow, ctx, input.name, member);
  // The member must still be active when the key is written.
  uow.check(
    tenancyKeys.member(ctx.tenantId, member.id),
    (e) => `${e.name('status')} = ${e.value('active')}`,
    () => new ConflictError(`Member ${memberId} was deactivated meanwhile.`),
  );
  await uow.commit();
  return created;
}

export async function listApiKeys(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<ApiKey>> {
  return queryPage(
    ctx,
    { partition: tenancyKeys.apiKeys(ctx.tenantId), sort: { beginsWith: 'KEY#' } },
    page,
    toApiKey,
  );
}

export async function getApiKey(ctx: TenantContext, id: string): Promise<ApiKey> {
  const item = await getItem(ctx, tenancyKeys.apiKey(ctx.tenantId, id));
  if (!item) throw new NotFoundError('API key', id);
  return toApiKey(item);
}

/** Revoking twice is harmless: the second call finds the key already revoked. */
export async function revokeApiKey(ctx: TenantContext, id: string): Promise<ApiKey> {
  const key = await getApiKey(ctx, id);
  if (key.status === 'revoked') return key;
  const uow = unitOfWork(ctx);
  revokeInto(uow, ctx, key);
  await uow.commit();
  return { ...key, status: 'revoked', revokedAt: ctx.clock.now().toISOString() };
}

export function revokeInto(uow: UnitOfWork, ctx: TenantContext, key: Pick<ApiKey, 'id' | 'memberId'>): void {
  uow.update(tenancyKeys.apiKey(ctx.tenantId, key.id), {
    set: { status: 'revoked', revokedAt: ctx.clock.now().toISOString() },
    condition: exists,
  });
  recordAudit(uow, ctx, { action: 'api_key.revoked', target: { type: 'api_key', id: key.id } });
  uow.publish(ApiKeyRevoked, { keyId: key.id, memberId: key.memberId });
}

export async function keysOfMember(ctx: TenantContext, memberId: string): Promise<ApiKey[]> {
  const keys: ApiKey[] = [];
  let cursor: string | undefined;
  do {
    const page = await listApiKeys(ctx, { limit: 100, cursor });
    keys.push(...page.items.filter((k) => k.memberId === memberId));
    cursor = page.nextCursor;
  } while (cursor);
  return keys;
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string };

/**
 * Resolves an `Authorization` header to the caller: one consistent read of the key's item in its
 * tenant's partition. Used by the Lambda authorizer, whose answer API Gateway caches per header
 * value for the TTL declared in functions/app/platform.ts.
 */
export async function authenticate(
  header: string | undefined,
  clock: Clock = systemClock,
): Promise<Authentication> {
  const token = bearerToken(header);
  if (!token) return { ok: false, reason: 'Send an API key as `Authorization: Bearer <key>`.' };
  const parts = KEY_PATTERN.exec(token);
  if (!parts) return { ok: false, reason: 'The API key is malformed.' };
  const [, tenant, keyId, secret] = parts as unknown as [string, string, string, string];
  const ctx = tenantContext({
    tenantId: asTenantId(tenant),
    actor: { type: 'system', process: 'authorizer' },
    clock,
    fenced: true,
  });
  const item = await getItem(ctx, tenancyKeys.apiKey(ctx.tenantId, keyId), { consistent: true });
  const stored =
    typeof item?.secretHash === 'string' ? Buffer.from(item.secretHash, 'hex') : Buffer.alloc(32);
  if (!item || !timingSafeEqual(stored, Buffer.from(hashSecret(secret), 'hex'))) {
    return { ok: false, reason: 'The API key is not valid.' };
  }
  if (item.status !== 'active') return { ok: false, reason: 'The API key was revoked.' };
  const now = clock.now();
  const lastUsed = typeof item.lastUsedAt === 'string' ? Date.parse(item.lastUsedAt) : 0;
  if (now.getTime() - lastUsed > LAST_USED_PRECISION_MS) {
    await unitOfWork(ctx)
      .update(tenancyKeys.apiKey(ctx.tenantId, keyId), {
        set: { lastUsedAt: now.toISOString() },
        condition: exists,
      })
      .commit()
      .catch((error: unknown) => ctx.logger.warn('could not record key use', { error: String(error) }));
  }
  return {
    ok: true,
    principal: { tenantId: tenant, memberId: String(item.memberId), role: item.role as Role, keyId },
  };
}
