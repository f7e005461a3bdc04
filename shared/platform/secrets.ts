import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod/mini';
import { readEnv } from './config.ts';
import { lazy } from './lazy.ts';

/**
 * The key that signs links handed to people outside the tenant (self-service forms, survey
 * invitations, unsubscribe). In AWS it is a Secrets Manager secret read once and cached;
 * locally the runtime generates one and passes it in the environment.
 */
const env = readEnv({
  LINK_SECRET: lazy(() => z.optional(z.string().check(z.minLength(32)))),
  LINK_SECRET_ARN: lazy(() => z.optional(z.string())),
});

export async function linkSecret(): Promise<Uint8Array> {
  if (env.LINK_SECRET) return new TextEncoder().encode(env.LINK_SECRET);
  if (!env.LINK_SECRET_ARN) throw new Error('Set LINK_SECRET or LINK_SECRET_ARN to sign links.');
  const value = await getSecret<string>(env.LINK_SECRET_ARN, { maxAge: 300 });
  if (!value) throw new Error(`Secret ${env.LINK_SECRET_ARN} is empty.`);
  return new TextEncoder().encode(value);
}
