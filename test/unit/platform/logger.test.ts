import { afterEach, describe, expect, it, vi } from 'vitest';
import { rootLogger, withKeys } from '../../../shared/platform/logger.ts';

function captured(): { lines: () => Record<string, unknown>[] } {
  const writes: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
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

afterEach(() => {
  vi.restoreAllMocks();
});

describe('request loggers', () => {
  it('carry their own keys, and the root logger never gets them', () => {
    const output = captured();
    const first = withKeys({ requestId: 'r-1', tenantId: 't-1', route: undefined });
    const second = withKeys({ requestId: 'r-2' });
    first.setLogLevel('INFO');
    second.setLogLevel('INFO');
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
});
