import { randomFillSync } from 'node:crypto';
import { isValid, monotonicFactory } from 'ulidx';

/**
 * ulidx's default generator asks the system for one random byte per character (16 calls of
 * crypto.getRandomValues per id, 0.2 ms of a create's CPU: docs/performance.md, "A contact's create").
 * The same cryptographic bytes, drawn 4 KB at a time, cost a few microseconds per id. A byte over
 * 256 (not 255, as ulidx's own) maps every byte to one of the 32 characters equally.
 */
const pool = new Uint8Array(4096);
let next = pool.length;

function randomFraction(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
}

const ulid = monotonicFactory(randomFraction);

/** A new ULID: unique, sortable by creation time, safe in URLs and keys. */
export function newId(): string {
  return ulid();
}

export function isId(value: string): boolean {
  return isValid(value);
}
