import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import { isId } from '../../../shared/platform/ids.ts';

const letter = (name: string) => ({
  source: 'bus' as const,
  name,
  target: 'send-invoice-email',
  payload: { detail: { invoiceId: name } },
  error: 'Error: SES is down',
  attempts: 3,
});

describe('MemoryDeadLetters', () => {
  const dirs: string[] = [];
  const tempFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dead-letters-'));
    dirs.push(dir);
    return join(dir, 'nested', 'dead-letters.json');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('gives each letter a ULID and the time it failed, and lists them oldest first', () => {
    const letters = new MemoryDeadLetters({ clock: { now: () => new Date('2025-03-01T10:00:00Z') } });
    const first = letters.add(letter('a'));
    const second = letters.add(letter('b'));
    expect(isId(first.id)).toBe(true);
    expect(first.failedAt).toBe('2025-03-01T10:00:00.000Z');
    expect(letters.list().map((l) => l.name)).toEqual(['a', 'b']);
    expect(second.id > first.id).toBe(true);
  });

  it('take removes the letter, so a replay that fails again adds a new one', () => {
    const letters = new MemoryDeadLetters();
    const { id } = letters.add(letter('a'));
    expect(letters.take(id)?.name).toBe('a');
    expect(letters.take(id)).toBeUndefined();
    expect(letters.list()).toEqual([]);
  });

  it('a listed letter cannot be changed from outside the store', () => {
    const letters = new MemoryDeadLetters();
    letters.add(letter('a'));
    (letters.list()[0]!.payload as { detail: { invoiceId: string } }).detail.invoiceId = 'changed';
    expect(letters.list()[0]?.payload).toEqual({ detail: { invoiceId: 'a' } });
  });

  it('with a file, the letters survive a restart, removals included', () => {
    const file = tempFile();
    const before = new MemoryDeadLetters(file);
    const kept = before.add(letter('kept'));
    const taken = before.add(letter('taken'));
    before.take(taken.id);
    const after = new MemoryDeadLetters({ file });
    expect(after.list()).toEqual([kept]);
    expect(JSON.parse(readFileSync(file, 'utf8')).letters).toHaveLength(1);
  });

  it('refuses to start over a corrupt file instead of silently losing its letters', () => {
    const file = tempFile();
    new MemoryDeadLetters(file).add(letter('a'));
    writeFileSync(file, '{ not json');
    expect(() => new MemoryDeadLetters(file)).toThrow(/not valid JSON/);
  });
});
