import type { RateLimitSpec } from '../functions/app/types.ts';

/**
 * What a caller over a declared limit receives, the same from the WAF in front of the API and
 * from the local gateway: 429, a problem document, `Retry-After`, and the IETF RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` (quota `q` per window `w` seconds)
 * and `RateLimit` (remaining `r`, seconds until it resets `t`).
 *
 * The WAF's answer is static: it cannot say when a window resets, so it gives the whole window
 * (an upper bound), no request id, and `content-type: application/json` (WAF lets no rule set
 * that header). The local gateway knows the reset time and adds the request id.
 */
export function rateLimitHeaders(limit: RateLimitSpec, retryAfterSeconds: number): Record<string, string> {
  return {
    'retry-after': String(retryAfterSeconds),
    'ratelimit-policy': `"${limit.name}";q=${limit.limit};w=${limit.windowSeconds}`,
    ratelimit: `"${limit.name}";r=0;t=${retryAfterSeconds}`,
  };
}

export function rateLimitProblem(limit: RateLimitSpec, retryAfterSeconds: number, requestId?: string) {
  return {
    type: 'urn:funnel:problem:rate-limited',
    title: 'Too many requests',
    status: 429,
    detail: `Over the limit ${limit.name} (${limit.limit} requests per ${limit.windowSeconds} seconds${limit.per === 'all' ? ' from everyone together' : limit.per === 'client' ? ' from one client address' : ' with one API key'}). Retry after ${retryAfterSeconds} seconds.`,
    limit: limit.name,
    ...(requestId ? { requestId } : {}),
  };
}
