import { createHash, randomUUID } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { AwsServiceError } from './errors.ts';

/**
 * The local S3's objects on disk. Each object's body is a plain file at `<root>/<bucket>/<key>`, so
 * other local tools (DuckDB reading the warehouse's Parquet files) read objects straight from disk;
 * its metadata is a JSON file at `<root>/.meta/<bucket>/<key>`, outside every bucket's key space (a
 * bucket name cannot start with a dot). A body without metadata (a file copied in by hand) is
 * still an object: its metadata is derived from the file.
 *
 * A file system cannot hold both `a` and `a/b`, which S3 can: such a key, and keys with empty,
 * `.` or `..` segments, are refused with InvalidArgument.
 */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  'CRC32',
  'CRC32C',
  'CRC64NVME',
  'SHA1',
  'SHA256',
];

/** What S3 keeps about an object besides its bytes. */
export interface ObjectAttributes {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  /** `x-amz-meta-*`, by lower-case name without the prefix. */
  metadata?: Record<string, string>;
  /** Base64 checksums the writer sent, verified against the body. */
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface StoredObject extends ObjectAttributes {
  bucket: string;
  key: string;
  size: number;
  /** Quoted MD5 hex of the body, as S3 gives for single-part uploads. */
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface PutConditions {
  /** `*`: only if no object has the key (S3's conditional write). */
  ifNoneMatch?: string;
  /** Only if the current object's ETag is this one. */
  ifMatch?: string;
}

export interface ListRequest {
  prefix?: string;
  delimiter?: string;
  /** Exclusive: keys after this one. */
  startAfter?: string;
  maxKeys: number;
}

export interface ListResult {
  objects: StoredObject[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned, to continue after. */
  lastReturned?: string;
}

export class NoSuchBucket extends AwsServiceError {
  constructor(bucket: string) {
    super('NoSuchBucket', `The specified bucket ${bucket} does not exist.`, 404);
  }
}

export class NoSuchKey extends AwsServiceError {
  constructor(key: string) {
    super('NoSuchKey', `The specified key ${key} does not exist.`, 404);
  }
}

export class InvalidArgument extends AwsServiceError {
  constructor(message: string) {
    super('InvalidArgument', message, 400);
  }
}

export class PreconditionFailed extends AwsServiceError {
  constructor() {
    super('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.', 412);
  }
}

export class BadDigest extends AwsServiceError {
  constructor(algorithm: string) {
    super('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400);
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_KEY_BYTES = 1024;

export async function checksumOf(algorithm: ChecksumAlgorithm, body: Buffer): Promise<string> {
  switch (algorithm) {
    case 'CRC32': {
      const value = Buffer.alloc(4);
      value.writeUInt32BE(crc32(body));
      return value.toString('base64');
    }
    case 'CRC32C':
    case 'CRC64NVME': {
      const hash = algorithm === 'CRC32C' ? new Crc32c() : new Crc64Nvme();
      hash.update(body);
      return Buffer.from(await hash.digest()).toString('base64');
    }
    case 'SHA1':
      return createHash('sha1').update(body).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(body).digest('base64');
  }
}

/** Checks each checksum the writer sent against the body; throws BadDigest for the first that differs. */
export async function verifyChecksums(
  body: Buffer,
  checksums: Partial<Record<ChecksumAlgorithm, string>>,
): Promise<void> {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const expected = checksums[algorithm];
    if (expected !== undefined && (await checksumOf(algorithm, body)) !== expected)
      throw new BadDigest(`x-amz-checksum-${algorithm.toLowerCase()}`);
  }
}

export class ObjectStore {
  readonly root: string;
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #now: () => Date;

  /** `now` stamps `lastModified`: the runtime's clock, so lifecycle ages follow it when it moves. */
  constructor(root: string, now: () => Date = () => new Date()) {
    this.root = root;
    this.#now = now;
  }

  async createBucket(bucket: string): Promise<void> {
    if (!BUCKET_NAME.test(bucket)) throw new Error(`${bucket} is not a valid S3 bucket name.`);
    await mkdir(join(this.root, bucket), { recursive: true });
  }

  async buckets(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && BUCKET_NAME.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  async assertBucket(bucket: string): Promise<void> {
    if (!BUCKET_NAME.test(bucket)) throw new NoSuchBucket(bucket);
    const info = await stat(join(this.root, bucket)).catch(() => undefined);
    if (!info?.isDirectory()) throw new NoSuchBucket(bucket);
  }

  /** Where the object's body is (or would be) on disk. */
  bodyPath(bucket: string, key: string): string {
    return join(this.root, bucket, ...keySegments(key));
  }

  #metaPath(bucket: string, key: string): string {
    return join(this.root, '.meta', bucket, ...keySegments(key));
  }

  /** Operations on one key run one after another, so a reader never sees a body with another's metadata. */
  #exclusive<T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> {
    const id = `${bucket}/${key}`;
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.#locks.set(id, settled);
    void settled.then(() => {
      if (this.#locks.get(id) === settled) this.#locks.delete(id);
    });
    return next;
  }

  async put(
    bucket: string,
    key: string,
    body: Buffer,
    attributes: ObjectAttributes = {},
    conditions: PutConditions = {},
  ): Promise<StoredObject> {
    await this.assertBucket(bucket);
    validateKey(key);
    await verifyChecksums(body, attributes.checksums ?? {});
    return this.#exclusive(bucket, key, async () => {
      const current = await this.#headUnlocked(bucket, key);
      if (conditions.ifNoneMatch === '*' && current) throw new PreconditionFailed();
      if (conditions.ifMatch !== undefined && current?.etag !== normalizeEtag(conditions.ifMatch))
        throw current ? new PreconditionFailed() : new NoSuchKey(key);
      const path = this.bodyPath(bucket, key);
      await this.#assertPlaceable(bucket, key, path);
      const stored: StoredObject = {
        bucket,
        key,
        size: body.length,
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        lastModified: new Date(Math.floor(this.#now().getTime() / 1000) * 1000),
        contentType: attributes.contentType ?? 'application/octet-stream',
        ...pickDefined(attributes),
        metadata: attributes.metadata ?? {},
        checksums: attributes.checksums ?? {},
      };
      await writeAtomically(this.root, path, body);
      await writeAtomically(this.root, this.#metaPath(bucket, key), Buffer.from(JSON.stringify(stored)));
      return stored;
    });
  }

  async head(bucket: string, key: string): Promise<StoredObject | undefined> {
    await this.assertBucket(bucket);
    if (!isStorableKey(key)) return undefined;
    return this.#exclusive(bucket, key, () => this.#headUnlocked(bucket, key));
  }

  async #headUnlocked(bucket: string, key: string): Promise<StoredObject | undefined> {
    const path = this.bodyPath(bucket, key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const meta = await readFile(this.#metaPath(bucket, key), 'utf8').catch(() => undefined);
    if (meta !== undefined) {
      const stored = JSON.parse(meta) as StoredObject;
      if (stored.size === info.size) return { ...stored, lastModified: new Date(stored.lastModified) };
    }
    // A body written by hand, or replaced behind the store's back: describe the file as it is.
    return {
      bucket,
      key,
      size: info.size,
      etag: `"${createHash('md5')
        .update(await readFile(path))
        .digest('hex')}"`,
      lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000),
      contentType: 'application/octet-stream',
      metadata: {},
      checksums: {},
    };
  }

  /** The object and a stream of its bytes (`range` inclusive, already checked against the size). */
  async read(
    bucket: string,
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ object: StoredObject; body: ReadStream }> {
    const object = await this.head(bucket, key);
    if (!object) throw new NoSuchKey(key);
    const path = this.bodyPath(bucket, key);
    // Opened before returning, so a delete that follows cannot pull the file away mid-read.
    const handle = await open(path, 'r');
    const body = handle.createReadStream({ autoClose: true, ...(range ?? {}) });
    return { object, body };
  }

  async readAll(bucket: string, key: string): Promise<{ object: StoredObject; body: Buffer }> {
    const object = await this.head(bucket, key);
    if (!object) throw new NoSuchKey(key);
    return { object, body: await readFile(this.bodyPath(bucket, key)) };
  }

  /** Removes the object; true if there was one (S3 answers the same either way). */
  async delete(bucket: string, key: string): Promise<boolean> {
    await this.assertBucket(bucket);
    if (!isStorableKey(key)) return false;
    return this.#exclusive(bucket, key, async () => {
      const path = this.bodyPath(bucket, key);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) return false;
      await rm(path, { force: true });
      await rm(this.#metaPath(bucket, key), { force: true });
      await pruneEmptyDirectories(dirname(path), join(this.root, bucket));
      await pruneEmptyDirectories(dirname(this.#metaPath(bucket, key)), join(this.root, '.meta', bucket));
      return true;
    });
  }

  /** Keys in S3's order (UTF-8 bytes), rolled up at the delimiter after the prefix. */
  async list(bucket: string, request: ListRequest): Promise<ListResult> {
    await this.assertBucket(bucket);
    const prefix = request.prefix ?? '';
    const keys = await this.#keysUnder(bucket, prefix);
    const objects: StoredObject[] = [];
    const commonPrefixes: string[] = [];
    let lastReturned: string | undefined;
    let truncated = false;
    for (const key of keys) {
      if (request.startAfter !== undefined && compareKeys(key, request.startAfter) <= 0) continue;
      let rolledUp: string | undefined;
      if (request.delimiter) {
        const at = key.indexOf(request.delimiter, prefix.length);
        if (at >= 0) rolledUp = key.slice(0, at + request.delimiter.length);
      }
      if (rolledUp !== undefined && rolledUp === commonPrefixes.at(-1)) continue;
      // A prefix resumed after lies wholly before the continuation point.
      if (rolledUp !== undefined && request.startAfter?.startsWith(rolledUp)) continue;
      if (objects.length + commonPrefixes.length >= request.maxKeys) {
        truncated = true;
        break;
      }
      if (rolledUp !== undefined) {
        commonPrefixes.push(rolledUp);
        lastReturned = rolledUp;
      } else {
        const object = await this.head(bucket, key);
        if (!object) continue;
        objects.push(object);
        lastReturned = key;
      }
    }
    return { objects, commonPrefixes, truncated, ...(lastReturned !== undefined ? { lastReturned } : {}) };
  }

  /** Every key that starts with `prefix`, sorted; walks only the directory the prefix pins down. */
  async #keysUnder(bucket: string, prefix: string): Promise<string[]> {
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const start = join(this.root, bucket, ...base.split('/').filter(Boolean));
    const keys: string[] = [];
    const walk = async (directory: string, keyPrefix: string) => {
      const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const key = `${keyPrefix}${entry.name}`;
        if (entry.isDirectory()) {
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`))
            await walk(join(directory, entry.name), `${key}/`);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          keys.push(key);
        }
      }
    };
    if (base === '' || (await stat(start).catch(() => undefined))?.isDirectory()) await walk(start, base);
    return keys.sort(compareKeys);
  }

  /** A file where a directory must go (or the reverse) means the key collides with another one. */
  async #assertPlaceable(bucket: string, key: string, path: string): Promise<void> {
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory())
      throw new InvalidArgument(`The local S3 cannot store ${key}: other keys start with ${key}/.`);
    const segments = keySegments(key);
    let directory = join(this.root, bucket);
    for (const segment of segments.slice(0, -1)) {
      directory = join(directory, segment);
      const info = await stat(directory).catch(() => undefined);
      if (info && !info.isDirectory())
        throw new InvalidArgument(
          `The local S3 cannot store ${key}: the key ${directory
            .slice(join(this.root, bucket).length + 1)
            .split(sep)
            .join('/')} exists.`,
        );
    }
  }
}

function keySegments(key: string): string[] {
  return key.split('/');
}

function isStorableKey(key: string): boolean {
  if (key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES) return false;
  return keySegments(key).every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\0'));
}

function validateKey(key: string): void {
  if (key.length === 0) throw new InvalidArgument('An object key must not be empty.');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new AwsServiceError('KeyTooLongError', 'Your key is too long.', 400);
  if (!isStorableKey(key))
    throw new InvalidArgument(
      `The local S3 stores each object as a file, so it cannot store ${JSON.stringify(key)}: a key must not have empty, "." or ".." segments.`,
    );
}

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function normalizeEtag(etag: string): string {
  const trimmed = etag.trim();
  return trimmed.startsWith('"') ? trimmed : `"${trimmed}"`;
}

function pickDefined(attributes: ObjectAttributes): ObjectAttributes {
  const { metadata: _m, checksums: _c, ...rest } = attributes;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

/** Write then rename, so DuckDB or a reader never sees half a file. */
async function writeAtomically(root: string, path: string, body: Buffer): Promise<void> {
  const temporary = join(root, '.tmp', randomUUID());
  await mkdir(dirname(temporary), { recursive: true });
  await writeFile(temporary, body);
  await mkdir(dirname(path), { recursive: true });
  await rename(temporary, path);
}

async function pruneEmptyDirectories(directory: string, stopAt: string): Promise<void> {
  let current = directory;
  while (current.length > stopAt.length && current.startsWith(stopAt)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    current = dirname(current);
  }
}
