import { isValid, monotonicFactory } from 'ulidx';

const ulid = monotonicFactory();

/** A new ULID: unique, sortable by creation time, safe in URLs and keys. */
export function newId(): string {
  return ulid();
}

export function isId(value: string): boolean {
  return isValid(value);
}
