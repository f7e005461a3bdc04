import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { DerivedItem } from './repository.ts';

/**
 * The derived items a change carries on its outbox item (UnitOfWork.derive), as one compressed
 * binary attribute. A transaction bills every item at 2 write units per KB, rounded up, and a
 * contact's created history entry repeats the whole record it describes: carried as a list, it took
 * the outbox item of a new contact to 1,135 bytes (4 units); deflated, the item is about 800 (2).
 * DynamoDB's own guidance for large attribute values is this one (compress, store as Binary).
 * Derived items are history and timeline entries: plain JSON values, so JSON carries them whole.
 */
export function packDerived(items: readonly DerivedItem[]): Uint8Array {
  return deflateRawSync(JSON.stringify(items));
}

/**
 * The items back from a stream image: bytes from the SDK, base64 in Lambda's JSON event (the
 * stream's `B` attribute), or a plain list on outbox items written before they were packed.
 */
export function unpackDerived(value: unknown): DerivedItem[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value as DerivedItem[];
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : (value as Uint8Array);
  return JSON.parse(inflateRawSync(bytes).toString('utf8')) as DerivedItem[];
}
