import * as z from 'zod/mini';
import { readEnv } from '../platform/config.ts';
import { lazy } from '../platform/lazy.ts';

/**
 * Webhook settings, read once at start. In AWS none is set: https only, no loopback, retries
 * starting at 30 seconds. The local runtime allows http (it has no certificates) and allows
 * loopback only when started with WEBHOOK_ALLOW_LOOPBACK=true (the test runtime sets it, so tests
 * run receivers on 127.0.0.1).
 */
const Flag = lazy(() => z._default(z.enum(['true', 'false']), 'false'));

const env = readEnv({
  WEBHOOK_ALLOW_HTTP: Flag,
  WEBHOOK_ALLOW_LOOPBACK: Flag,
  WEBHOOK_RETRY_BASE_SECONDS: lazy(() =>
    z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(600)), 30),
  ),
});

export interface TargetPolicy {
  /** Plain http URLs are accepted (never on AWS). */
  allowHttp: boolean;
  /** 127.0.0.0/8 and ::1 are reachable (local runs and tests only). */
  allowLoopback: boolean;
}

export const targetPolicy: TargetPolicy = {
  allowHttp: env.WEBHOOK_ALLOW_HTTP === 'true',
  allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === 'true',
};

/** The median first retry delay; later ones grow exponentially from it (see backoff.ts). */
export const retryBaseSeconds = env.WEBHOOK_RETRY_BASE_SECONDS;
