import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application } from '../../functions/app/index.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import type { Api } from '../support/api.ts';
import { memberWithKey, signUpOverHttp, startTestRuntime } from '../support/runtime.ts';

/**
 * Each key's share of the API (`api-per-key`, functions/app/platform.ts), as the local gateway
 * enforces it before any function runs, like the WAF on AWS. The runtime serves the declared
 * application with that one limit lowered to 20 requests, over a window longer than the test, so
 * the count is exact however slow the machine.
 */
const LIMIT = 20;
let runtime: LocalRuntime;
let script: Api;
let neighbour: Api;
let noisyAdmin: Api;

beforeAll(async () => {
  runtime = await startTestRuntime({
    authorizerCacheTtlSeconds: 0,
    application: {
      ...application,
      rateLimits: application.rateLimits.map((l) =>
        l.name === 'api-per-key' ? { ...l, limit: LIMIT, windowSeconds: 600 } : l,
      ),
    },
  });
  const [noisy, quiet] = await Promise.all([signUpOverHttp(runtime), signUpOverHttp(runtime)]);
  noisyAdmin = noisy.api;
  script = (await memberWithKey(noisy.api, 'sales')).api;
  neighbour = (await memberWithKey(quiet.api, 'sales')).api;
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a key over its share of the API', () => {
  it("gets 429 problems with RateLimit and Retry-After past its limit, while another tenant's calls all succeed", async () => {
    const scripted: number[] = [];
    const neighbours: number[] = [];
    for (let i = 0; i < LIMIT * 1.5; i++) {
      const response = await script.get('/v1/me');
      scripted.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(response.body).toMatchObject({ status: 429, limit: 'api-per-key' });
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(600);
        expect(response.headers.get('ratelimit-policy')).toBe(`"api-per-key";q=${LIMIT};w=600`);
        expect(response.headers.get('ratelimit')).toBe(`"api-per-key";r=0;t=${retryAfter}`);
      }
      if (i % 2 === 0) neighbours.push((await neighbour.get('/v1/me')).status);
    }
    expect(scripted.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(scripted.slice(LIMIT).every((s) => s === 429)).toBe(true);
    expect(neighbours).toHaveLength(LIMIT * 0.75);
    expect(neighbours.every((s) => s === 200)).toBe(true);
  });

  it('cannot escape its limit by spelling its Authorization header another way', async () => {
    const { key } = (await memberWithKey(noisyAdmin, 'sales')).api;
    const withHeader = (authorization: string) =>
      fetch(`${runtime.urls.api}/v1/me`, { headers: { authorization } }).then((r) => r.status);
    for (let i = 0; i < LIMIT; i++) expect(await withHeader(`Bearer ${key}`)).toBe(200);
    for (const spelling of [`bearer ${key}`, `BEARER ${key}`, `Bearer  ${key}`, `Bearer\t${key}`])
      expect(await withHeader(spelling), JSON.stringify(spelling.replace(key!, 'KEY'))).toBe(429);
  });
});
