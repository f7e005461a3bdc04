import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from '../platform/clock.ts';
import { tenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import { newId } from '../platform/ids.ts';
import { operatorConfigured, operatorTenantId } from './config.ts';
import { operatorKeys } from './keys.ts';

/**
 * Operator keys: `fcrm_op_<key id><secret>`, a credential no tenant can hold. Like tenant API keys
 * the 256-bit secret is stored only as its SHA-256, in the operator tenant's own partition; the
 * authorizer tells an operator key by its prefix and marks the verdict `operator`, and only
 * operator routes accept that verdict (every other route answers it 401). A tenant's key on an
 * operator route gets the 404 of a route that does not exist (shared/platform/http/handler.ts).
 */
const OPERATOR_KEY = /^fcrm_op_([0-9A-HJKMNP-TV-Z]{26})([A-Za-z0-9_-]{43})$/;

export const isOperatorCredential = (credential: string) => credential.startsWith('fcrm_op_');

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

const operatorContext = (clock: Clock = systemClock) =>
  tenantContext({ tenantId: operatorTenantId(), actor: { type: 'system', process: 'operator' }, clock });

export interface IssuedOperatorKey {
  id: string;
  name: string;
  /** The key itself: shown once, stored only as a hash. */
  key: string;
  createdAt: string;
}

/** Issues an operator key (the CLI's `operator-key`, and the local runtime's first start). */
export async function issueOperatorKey(name: string, clock: Clock = systemClock): Promise<IssuedOperatorKey> {
  const ctx = operatorContext(clock);
  const id = newId();
  const secret = randomBytes(32).toString('base64url');
  const createdAt = clock.now().toISOString();
  await unitOfWork(ctx)
    .put(
      {
        ...operatorKeys.credential(ctx.tenantId, id),
        entity: 'OperatorKey',
        id,
        name,
        status: 'active',
        createdAt,
        secretHash: hash(secret),
      },
      { condition: notExists },
    )
    .commit();
  return { id, name, key: `fcrm_op_${id}${secret}`, createdAt };
}

export type OperatorAuthentication = { ok: true; keyId: string } | { ok: false; reason: string };

/** One consistent read of the key's item; the authorizer caches the verdict like any other. */
export async function authenticateOperator(credential: string): Promise<OperatorAuthentication> {
  const parts = OPERATOR_KEY.exec(credential);
  if (!parts || !operatorConfigured()) return { ok: false, reason: 'The API key is not valid.' };
  const [, keyId, secret] = parts as unknown as [string, string, string];
  const ctx = operatorContext();
  const item = await getItem(ctx, operatorKeys.credential(ctx.tenantId, keyId), { consistent: true });
  const stored =
    typeof item?.secretHash === 'string' ? Buffer.from(item.secretHash, 'hex') : Buffer.alloc(32);
  const matches = timingSafeEqual(stored, Buffer.from(hash(secret), 'hex'));
  if (!matches || item?.status !== 'active') return { ok: false, reason: 'The API key is not valid.' };
  return { ok: true, keyId };
}
