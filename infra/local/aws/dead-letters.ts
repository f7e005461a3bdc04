import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { newId } from '../../../shared/platform/ids.ts';
import { systemClock } from './delivery.ts';
import type { Clock, DeadLetter, DeadLetterStore } from './types.ts';

export interface DeadLetterOptions {
  /** A JSON file that keeps the letters across restarts; written on every change. */
  file?: string;
  clock?: Clock;
}

/**
 * Everything the local bus, queues, scheduler and stream poller gave up on, oldest first. In
 * memory, and in a JSON file when one is named, so a failure seen before a restart can still be
 * replayed after it.
 */
export class MemoryDeadLetters implements DeadLetterStore {
  readonly #letters = new Map<string, DeadLetter>();
  readonly #file: string | undefined;
  readonly #clock: Clock;

  /** Accepts the file path alone, or options. */
  constructor(options: string | DeadLetterOptions = {}) {
    const { file, clock } = typeof options === 'string' ? { file: options, clock: undefined } : options;
    this.#file = file;
    this.#clock = clock ?? systemClock;
    if (file && existsSync(file)) {
      for (const letter of readLetters(file)) this.#letters.set(letter.id, letter);
    }
  }

  add(letter: Omit<DeadLetter, 'id' | 'failedAt'>): DeadLetter {
    const stored: DeadLetter = { id: newId(), ...letter, failedAt: this.#clock.now().toISOString() };
    this.#letters.set(stored.id, stored);
    this.#save();
    return structuredClone(stored);
  }

  list(): DeadLetter[] {
    return [...this.#letters.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((l) => structuredClone(l));
  }

  get(id: string): DeadLetter | undefined {
    const letter = this.#letters.get(id);
    return letter && structuredClone(letter);
  }

  take(id: string): DeadLetter | undefined {
    const letter = this.#letters.get(id);
    if (!letter) return undefined;
    this.#letters.delete(id);
    this.#save();
    return letter;
  }

  #save(): void {
    if (!this.#file) return;
    mkdirSync(dirname(this.#file), { recursive: true });
    // Write then rename, so a crash mid-write never leaves a truncated file behind.
    const partial = `${this.#file}.partial`;
    writeFileSync(partial, `${JSON.stringify({ version: 1, letters: this.list() }, null, 2)}\n`);
    renameSync(partial, this.#file);
  }
}

function readLetters(file: string): DeadLetter[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `The dead-letter file ${file} is not valid JSON (${(error as Error).message}); fix or remove it.`,
    );
  }
  const letters = (parsed as { letters?: unknown })?.letters;
  if (!Array.isArray(letters)) throw new Error(`The dead-letter file ${file} has no "letters" list.`);
  return letters as DeadLetter[];
}
