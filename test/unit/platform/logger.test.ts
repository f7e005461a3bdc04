import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rootLogger, withKeys } from '../../../shared/platform/logger.ts';

function captured(): { lines: () => Record<string, unknown>[] } {
  const writes: string[] = [];
  // Errors and warnings go to stderr.
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
  return {
    lines: () =>
      writes
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}

const level = rootLogger.getLevelName();
beforeEach(() => {
  rootLogger.setLogLevel('INFO');
});
afterEach(() => {
  vi.restoreAllMocks();
  rootLogger.setLogLevel(level);
});

describe('request loggers', () => {
  it('carry their own keys, and the root logger never gets them', () => {
    const output = captured();
    const first = withKeys({ requestId: 'r-1', tenantId: 't-1', route: undefined });
    const second = withKeys({ requestId: 'r-2' });
    first.info('first');
    second.info('second');
    expect(output.lines()).toEqual([
      expect.objectContaining({ message: 'first', requestId: 'r-1', tenantId: 't-1' }),
      expect.objectContaining({ message: 'second', requestId: 'r-2' }),
    ]);
    expect(output.lines()[1]).not.toHaveProperty('tenantId');
    expect(output.lines()[0]).not.toHaveProperty('route');
    expect(rootLogger.getPersistentLogAttributes()).not.toHaveProperty('requestId');
  });

  it("let a line's own attributes win over the keys, and keep an error's details", () => {
    const output = captured();
    const logger = withKeys({ requestId: 'r-3', route: 'GET /v1/contacts/{id}' });
    logger.info('refused', { route: 'POST /v1/contacts', kind: 'conflict' });
    logger.error('failed', new Error('the table is throttling'));
    const [refused, failed] = output.lines();
    expect(refused).toMatchObject({ requestId: 'r-3', route: 'POST /v1/contacts', kind: 'conflict' });
    expect(failed).toMatchObject({ requestId: 'r-3', error: { message: 'the table is throttling' } });
  });

  it('answer anything else a logger offers from a child with the keys', () => {
    const logger = withKeys({ requestId: 'r-4', tenantId: undefined });
    expect(logger.getPersistentLogAttributes()).toEqual({ requestId: 'r-4' });
    expect(rootLogger.getPersistentLogAttributes()).not.toHaveProperty('requestId');
  });
});
