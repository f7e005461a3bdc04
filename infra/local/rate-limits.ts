import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitSpec } from '../../functions/app/types.ts';
import { bearerToken } from '../../shared/platform/http/bearer.ts';

/**
 * The declared rate limits (functions/app, `rateLimits`) in the local gateway, before any function
 * runs, as the WAF's rate-based rules enforce them in AWS. Counters live in memory per limit and
 * key (client address, the credential of the Authorization header, or one for everyone) in fixed windows from the
 * first request (rate-limiter-flexible); the WAF's own window slides, so near a window's edge the
 * two may disagree by a few requests. A request without the key a limit is per (no credential)
 * is not counted by that limit, as the WAF skips requests that lack an aggregation key.
 */
export interface Exceeded {
  limit: RateLimitSpec;
  retryAfterSeconds: number;
}

export interface RateLimitedRequest {
  /** The route's operation; none for a path no route matches. */
  operationId: string | undefined;
  path: string;
  clientAddress: string;
  authorization: string | undefined;
}

export class LocalRateLimits {
  private readonly counters: Array<{ spec: RateLimitSpec; limiter: RateLimiterMemory }>;

  constructor(limits: readonly RateLimitSpec[]) {
    this.counters = limits.map((spec) => ({
      spec,
      limiter: new RateLimiterMemory({ points: spec.limit, duration: spec.windowSeconds }),
    }));
  }

  /** Counts the request against every limit that covers it; the first one exceeded, if any. */
  async check(request: RateLimitedRequest): Promise<Exceeded | undefined> {
    let exceeded: Exceeded | undefined;
    for (const { spec, limiter } of this.counters) {
      if (!counts(spec, request)) continue;
      const key = keyOf(spec, request);
      if (key === undefined) continue;
      try {
        await limiter.consume(key);
      } catch (result) {
        if (!(result instanceof RateLimiterRes)) throw result;
        exceeded ??= { limit: spec, retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
      }
    }
    return exceeded;
  }
}

function keyOf(spec: RateLimitSpec, request: RateLimitedRequest): string | undefined {
  switch (spec.per) {
    case 'client':
      return request.clientAddress;
    case 'credential':
      // The credential as the authorizer reads it, so `bearer KEY` counts with `Bearer KEY`; a
      // header that is no bearer credential (refused anyway) counts as sent.
      return bearerToken(request.authorization) ?? (request.authorization || undefined);
    case 'all':
      return 'all';
  }
}

function counts(spec: RateLimitSpec, request: RateLimitedRequest): boolean {
  if (spec.operations === 'api') return request.path.startsWith('/v1/');
  return request.operationId !== undefined && spec.operations.includes(request.operationId);
}
