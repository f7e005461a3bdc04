import { describe, expect, it } from 'vitest';
import { backOff } from '../../../shared/platform/retry.ts';

/** A request that fails `failures` times with numbered errors, then answers 'done'. */
function flaky(failures: number) {
  const calls: number[] = [];
  const request = async () => {
    calls.push(calls.length + 1);
    if (calls.length <= failures) throw new Error(`failure ${calls.length}`);
    return 'done';
  };
  return { request, calls };
}

describe('backOff, with the library loaded on the first retry', () => {
  it('answers a first success without retrying', async () => {
    const { request, calls } = flaky(0);
    await expect(backOff(request, { numOfAttempts: 5, startingDelay: 1 })).resolves.toBe('done');
    expect(calls).toHaveLength(1);
  });

  it('retries until the request succeeds', async () => {
    const { request, calls } = flaky(3);
    await expect(backOff(request, { numOfAttempts: 5, startingDelay: 1 })).resolves.toBe('done');
    expect(calls).toHaveLength(4);
  });

  it('makes numOfAttempts attempts in all, then throws the last error', async () => {
    const { request, calls } = flaky(10);
    await expect(backOff(request, { numOfAttempts: 3, startingDelay: 1 })).rejects.toThrow('failure 3');
    expect(calls).toHaveLength(3);
  });

  it('gives up at once when retry refuses the error, and numbers the attempts as the library does', async () => {
    const seen: number[] = [];
    const { request, calls } = flaky(10);
    await expect(
      backOff(request, {
        numOfAttempts: 10,
        startingDelay: 1,
        retry: (_error, attempt) => {
          seen.push(attempt);
          return attempt < 3;
        },
      }),
    ).rejects.toThrow('failure 3');
    expect(calls).toHaveLength(3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('makes a single attempt when numOfAttempts is 1', async () => {
    const { request, calls } = flaky(1);
    await expect(backOff(request, { numOfAttempts: 1 })).rejects.toThrow('failure 1');
    expect(calls).toHaveLength(1);
  });
});
