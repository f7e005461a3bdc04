import { describe, expect, it } from 'vitest';
import { lastWriterWins } from '../../../shared/platform/db/retries.ts';
import { PreconditionFailedError, UnavailableError } from '../../../shared/platform/errors.ts';

describe('last writer wins', () => {
  it('applies a change again on the new version when another write won the race', async () => {
    let version = 1;
    const attempts: number[] = [];
    const result = await lastWriterWins(false, async () => {
      attempts.push(version);
      // The first two attempts read a version that another writer moves before the commit.
      if (attempts.length <= 2) {
        version++;
        throw new PreconditionFailedError();
      }
      return `written on ${version}`;
    });
    expect(result).toBe('written on 3');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('answers 412 at once to a caller who pinned the version it read', async () => {
    let attempts = 0;
    await expect(
      lastWriterWins(true, async () => {
        attempts++;
        throw new PreconditionFailedError();
      }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(attempts).toBe(1);
  });

  it('gives up with a retryable 503 when the record never stops moving', async () => {
    const error = await lastWriterWins(false, async () => {
      throw new PreconditionFailedError();
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).retryAfterSeconds).toBe(1);
  });

  it('never repeats a change that failed for another reason', async () => {
    let attempts = 0;
    await expect(
      lastWriterWins(false, async () => {
        attempts++;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(attempts).toBe(1);
  });
});
