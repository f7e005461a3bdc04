import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { parseXML, XmlNode, XmlText } from '@aws-sdk/xml-builder';
import type { S3Event } from 'aws-lambda';
import type { BucketNotificationSpec } from '../../../functions/app/types.ts';
import { defaultRetryPolicy, WorkTracker, withRetries } from './delivery.ts';
import { AwsServiceError, describeError } from './errors.ts';
import { SignatureChecker } from './s3-auth.ts';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumOf,
  InvalidArgument,
  NoSuchKey,
  normalizeEtag,
  type ObjectAttributes,
  type ObjectStore,
  PreconditionFailed,
  type StoredObject,
} from './s3-store.ts';
import type { DeadLetter, DeadLetterStore, Invoke, RetryPolicy } from './types.ts';

/**
 * A local S3 that the unchanged @aws-sdk/client-s3 and @aws-sdk/s3-request-presigner talk to
 * (AWS_ENDPOINT_URL_S3, path-style): PutObject, GetObject (with ranges and conditions),
 * HeadObject, DeleteObject, DeleteObjects, ListObjectsV2, CopyObject, HeadBucket, ListBuckets,
 * CreateBucket. Every request must carry a valid Signature Version 4, in headers or as a
 * presigned URL (whose expiry is enforced); checksums the writer sends are verified and kept.
 * Objects live in an ObjectStore (s3-store.ts): one plain file per object.
 *
 * Bucket notifications declared in functions/app invoke their function asynchronously with S3's
 * event shape, retried, then kept as dead letters, like the local bus does for rules.
 */
export interface LocalS3Options {
  store: ObjectStore;
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  region: string;
  /** Per local bucket name, the notifications declared for it. */
  notifications?: ReadonlyMap<string, readonly BucketNotificationSpec[]>;
  /** Per local bucket name, the lifecycle rules declared for it (only expiration applies here). */
  lifecycle?: ReadonlyMap<string, ReadonlyArray<{ prefix: string; expireAfterDays?: number }>>;
  invoke?: Invoke;
  deadLetters?: DeadLetterStore;
  retry?: RetryPolicy;
  now?: () => Date;
}

/** The largest body the local S3 takes in one PutObject (S3's own limit is 5 GB). */
const MAX_BODY_BYTES = 512 * 1024 * 1024;
const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const SUBRESOURCES = [
  'acl',
  'cors',
  'lifecycle',
  'policy',
  'tagging',
  'uploads',
  'uploadId',
  'versioning',
  'versions',
  'website',
  'notification',
  'encryption',
  'object-lock',
  'retention',
  'legal-hold',
  'attributes',
  'restore',
  'select',
];

interface Request {
  method: string;
  bucket?: string;
  key?: string;
  query: Array<[string, string]>;
  headers: Record<string, string | undefined>;
  requestId: string;
}

const notImplemented = (what: string) =>
  new AwsServiceError('NotImplemented', `The local S3 does not implement ${what}.`, 501);

export class LocalS3 {
  readonly store: ObjectStore;
  readonly #auth: SignatureChecker;
  readonly #notifications: ReadonlyMap<string, readonly BucketNotificationSpec[]>;
  readonly #lifecycle: ReadonlyMap<string, ReadonlyArray<{ prefix: string; expireAfterDays?: number }>>;
  readonly #invoke: Invoke | undefined;
  readonly #deadLetters: DeadLetterStore | undefined;
  readonly #retry: RetryPolicy;
  readonly #region: string;
  readonly #work = new WorkTracker();
  #sequence = 0;

  constructor(options: LocalS3Options) {
    this.store = options.store;
    this.#region = options.region;
    this.#auth = new SignatureChecker({
      credentials: options.credentials,
      region: options.region,
      ...(options.now ? { now: options.now } : {}),
    });
    this.#notifications = options.notifications ?? new Map();
    this.#lifecycle = options.lifecycle ?? new Map();
    this.#invoke = options.invoke;
    this.#deadLetters = options.deadLetters;
    this.#retry = options.retry ?? defaultRetryPolicy;
    if (!this.#invoke && [...this.#notifications.values()].some((n) => n.length))
      throw new Error('Bucket notifications need a function to invoke.');
  }

  /**
   * Writes an object as a local AWS service would (the Firehose stand-in delivering a file), with
   * the notifications S3 sends for it.
   */
  async putObject(bucket: string, key: string, body: Buffer, attributes: ObjectAttributes = {}) {
    const checksums = attributes.checksums ?? { CRC64NVME: await checksumOf('CRC64NVME', body) };
    const stored = await this.store.put(bucket, key, body, { ...attributes, checksums });
    this.#notify('ObjectCreated:Put', stored, randomUUID());
    return stored;
  }

  /**
   * Deletes the objects their bucket's lifecycle expires by `now`, as S3 does in the background
   * (S3 rounds up to the next midnight UTC; here the days count from the object's last write). The
   * runtime applies it when it settles, with its clock, so a test that moves the clock sees what
   * AWS would keep. Returns how many objects went.
   */
  async expire(now: Date): Promise<number> {
    let expired = 0;
    for (const [bucket, rules] of this.#lifecycle)
      for (const { prefix, expireAfterDays } of rules) {
        if (!expireAfterDays) continue;
        const before = now.getTime() - expireAfterDays * 86_400_000;
        let startAfter: string | undefined;
        for (;;) {
          const page = await this.store.list(bucket, {
            prefix,
            maxKeys: 1000,
            ...(startAfter ? { startAfter } : {}),
          });
          for (const object of page.objects)
            if (object.lastModified.getTime() <= before && (await this.store.delete(bucket, object.key)))
              expired++;
          if (!page.truncated || !page.lastReturned) break;
          startAfter = page.lastReturned;
        }
      }
    return expired;
  }

  /** Resolves when no notification is in flight or waiting for a retry. */
  idle(): Promise<void> {
    return this.#work.idle();
  }

  close(): void {
    this.#work.close();
  }

  /** Delivers a dead letter of a notification again; on failure it becomes a new dead letter. */
  async replay(letter: DeadLetter): Promise<void> {
    if (letter.source !== 's3') throw new Error(`Dead letter ${letter.id} is not from S3.`);
    await this.#work.track(this.#deliver(letter.name, letter.target, letter.payload));
  }

  handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s, 2);
    const query = parseQuery(rawQuery);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : value,
      ]),
    );
    const method = req.method ?? 'GET';
    const segments = rawPath.slice(1).split('/');
    const bucket = segments[0] ? decodeURIComponent(segments[0]) : undefined;
    const key = segments.length > 1 ? decodeURIComponent(segments.slice(1).join('/')) : undefined;
    const request: Request = {
      method,
      ...(bucket ? { bucket } : {}),
      ...(key ? { key } : {}),
      query,
      headers,
      requestId,
    };
    try {
      const verified = await this.#auth.verify({ method, rawPath, query, headers });
      await this.#route(request, req, res, verified.payloadHash);
    } catch (error) {
      req.resume();
      if (error instanceof AwsServiceError) return replyError(res, request, error);
      console.error('Local S3 failed to answer:', error);
      return replyError(
        res,
        request,
        new AwsServiceError('InternalError', 'We encountered an internal error.', 500),
      );
    }
  };

  async #route(request: Request, req: IncomingMessage, res: ServerResponse, payloadHash: string) {
    const { method, bucket, key, query } = request;
    const has = (name: string) => query.some(([n]) => n === name);
    const unsupported = SUBRESOURCES.find(has);
    if (unsupported) throw notImplemented(`the ${unsupported} subresource`);
    if (!bucket) {
      if (method === 'GET') return this.#listBuckets(request, res);
      throw notImplemented(`${method} /`);
    }
    if (key === undefined) {
      if (method === 'HEAD') {
        await this.store.assertBucket(bucket);
        return reply(res, request, 200, { 'x-amz-bucket-region': this.#region });
      }
      if (method === 'GET' && has('location')) {
        await this.store.assertBucket(bucket);
        return replyXml(res, request, 200, new XmlNode('LocationConstraint').a('xmlns', XMLNS));
      }
      if (method === 'GET' && query.find(([n]) => n === 'list-type')?.[1] === '2')
        return this.#listObjects(request, bucket, res);
      if (method === 'GET') throw notImplemented('ListObjects (version 1); use ListObjectsV2');
      if (method === 'POST' && has('delete'))
        return this.#deleteObjects(request, bucket, await readBody(req, request, payloadHash), res);
      if (method === 'PUT') return this.#createBucket(request, bucket, res);
      throw notImplemented(`${method} on a bucket`);
    }
    switch (method) {
      case 'PUT':
        if (request.headers['x-amz-copy-source']) return this.#copyObject(request, bucket, key, res);
        return this.#putObject(request, bucket, key, await readBody(req, request, payloadHash), res);
      case 'GET':
      case 'HEAD':
        return this.#getObject(request, bucket, key, res, method === 'HEAD');
      case 'DELETE': {
        const existed = await this.store.delete(bucket, key);
        if (existed)
          this.#notify('ObjectRemoved:Delete', { bucket, key, size: 0, etag: '' }, request.requestId);
        return reply(res, request, 204, {});
      }
      default:
        throw notImplemented(`${method} on an object`);
    }
  }

  async #listBuckets(request: Request, res: ServerResponse) {
    const buckets = new XmlNode('Buckets');
    for (const name of await this.store.buckets())
      buckets.c(
        new XmlNode('Bucket')
          .c(XmlNode.of('Name', name))
          .c(XmlNode.of('CreationDate', new Date(0).toISOString()))
          .c(XmlNode.of('BucketRegion', this.#region)),
      );
    const result = new XmlNode('ListAllMyBucketsResult')
      .a('xmlns', XMLNS)
      .c(new XmlNode('Owner').c(XmlNode.of('ID', 'local')).c(XmlNode.of('DisplayName', 'local')))
      .c(buckets);
    return replyXml(res, request, 200, result);
  }

  async #createBucket(request: Request, bucket: string, res: ServerResponse) {
    if ((await this.store.buckets()).includes(bucket))
      throw new AwsServiceError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
      );
    try {
      await this.store.createBucket(bucket);
    } catch (error) {
      throw new AwsServiceError('InvalidBucketName', (error as Error).message, 400);
    }
    return reply(res, request, 200, { location: `/${bucket}` });
  }

  async #putObject(request: Request, bucket: string, key: string, body: Buffer, res: ServerResponse) {
    const { headers } = request;
    const checksums = checksumHeaders(headers);
    if (Object.keys(checksums).length === 0) checksums.CRC64NVME = await checksumOf('CRC64NVME', body);
    const contentMd5 = headers['content-md5'];
    if (contentMd5 && contentMd5 !== createHash('md5').update(body).digest('base64'))
      throw new AwsServiceError(
        'BadDigest',
        'The Content-MD5 you specified did not match what we received.',
        400,
      );
    const stored = await this.store.put(bucket, key, body, attributesFrom(headers, checksums), {
      ...(headers['if-none-match'] ? { ifNoneMatch: headers['if-none-match'] } : {}),
      ...(headers['if-match'] ? { ifMatch: headers['if-match'] } : {}),
    });
    this.#notify('ObjectCreated:Put', stored, request.requestId);
    return reply(res, request, 200, { etag: stored.etag, ...checksumResponseHeaders(stored) });
  }

  async #copyObject(request: Request, bucket: string, key: string, res: ServerResponse) {
    const { headers } = request;
    const source = decodeURIComponent(headers['x-amz-copy-source']!.split('?')[0]!).replace(/^\//, '');
    const slash = source.indexOf('/');
    if (slash <= 0)
      throw new InvalidArgument(
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey.',
      );
    const sourceBucket = source.slice(0, slash);
    const sourceKey = source.slice(slash + 1);
    const { object, body } = await this.store.readAll(sourceBucket, sourceKey);
    const ifMatch = headers['x-amz-copy-source-if-match'];
    if (ifMatch && normalizeEtag(ifMatch) !== object.etag) throw new PreconditionFailed();
    const replace = headers['x-amz-metadata-directive'] === 'REPLACE';
    const attributes: ObjectAttributes = replace
      ? attributesFrom(headers, object.checksums)
      : { ...object, checksums: object.checksums };
    const stored = await this.store.put(bucket, key, body, attributes);
    this.#notify('ObjectCreated:Copy', stored, request.requestId);
    const result = new XmlNode('CopyObjectResult')
      .a('xmlns', XMLNS)
      .c(XmlNode.of('ETag', stored.etag))
      .c(XmlNode.of('LastModified', stored.lastModified.toISOString()));
    for (const [algorithm, value] of Object.entries(stored.checksums))
      result.c(XmlNode.of(`Checksum${algorithm}`, value));
    return replyXml(res, request, 200, result);
  }

  async #getObject(request: Request, bucket: string, key: string, res: ServerResponse, headOnly: boolean) {
    const { headers } = request;
    const object = await this.store.head(bucket, key);
    if (!object) throw new NoSuchKey(key);
    if (headers['if-match'] && normalizeEtag(headers['if-match']) !== object.etag)
      throw new PreconditionFailed();
    if (headers['if-none-match'] && normalizeEtag(headers['if-none-match']) === object.etag)
      return reply(res, request, 304, { etag: object.etag });
    const range = parseRange(headers.range ?? request.query.find(([n]) => n === 'Range')?.[1], object.size);
    const withChecksums = headers['x-amz-checksum-mode'] === 'ENABLED' && !range;
    const responseHeaders: Record<string, string | number> = {
      ...objectHeaders(object, request.query),
      'accept-ranges': 'bytes',
      'content-length': range ? range.end - range.start + 1 : object.size,
      ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${object.size}` } : {}),
      ...(withChecksums ? checksumResponseHeaders(object) : {}),
    };
    const status = range ? 206 : 200;
    if (headOnly || object.size === 0) return reply(res, request, status, responseHeaders);
    const { body } = await this.store.read(bucket, key, range);
    res.writeHead(status, { ...responseHeaders, ...requestHeaders(request) });
    await pipeline(body, res);
  }

  async #listObjects(request: Request, bucket: string, res: ServerResponse) {
    const param = (name: string) => request.query.find(([n]) => n === name)?.[1];
    const maxKeysParam = param('max-keys');
    const maxKeys = maxKeysParam === undefined ? 1000 : Number(maxKeysParam);
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      throw new InvalidArgument('Provided max-keys not an integer or within integer range');
    const token = param('continuation-token');
    let resumeAfter: string | undefined;
    if (token !== undefined) {
      try {
        resumeAfter = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).after;
      } catch {
        throw new InvalidArgument('The continuation token provided is incorrect');
      }
      if (typeof resumeAfter !== 'string')
        throw new InvalidArgument('The continuation token provided is incorrect');
    }
    const prefix = param('prefix') ?? '';
    const delimiter = param('delimiter') || undefined;
    const startAfter = param('start-after');
    const after = [resumeAfter, startAfter]
      .filter((k): k is string => k !== undefined)
      .sort()
      .at(-1);
    const listed = await this.store.list(bucket, {
      prefix,
      maxKeys: Math.min(maxKeys, 1000),
      ...(delimiter ? { delimiter } : {}),
      ...(after !== undefined ? { startAfter: after } : {}),
    });
    const urlEncoded = param('encoding-type') === 'url';
    const encode = (value: string) => (urlEncoded ? encodeURIComponent(value).replace(/%2F/g, '/') : value);
    const result = new XmlNode('ListBucketResult')
      .a('xmlns', XMLNS)
      .c(XmlNode.of('Name', bucket))
      .c(XmlNode.of('Prefix', encode(prefix)))
      .c(XmlNode.of('MaxKeys', String(maxKeys)))
      .c(XmlNode.of('KeyCount', String(listed.objects.length + listed.commonPrefixes.length)))
      .c(XmlNode.of('IsTruncated', String(listed.truncated)));
    if (delimiter) result.c(XmlNode.of('Delimiter', encode(delimiter)));
    if (urlEncoded) result.c(XmlNode.of('EncodingType', 'url'));
    if (token !== undefined) result.c(XmlNode.of('ContinuationToken', token));
    if (startAfter !== undefined) result.c(XmlNode.of('StartAfter', encode(startAfter)));
    if (listed.truncated && listed.lastReturned !== undefined)
      result.c(
        XmlNode.of(
          'NextContinuationToken',
          Buffer.from(JSON.stringify({ after: listed.lastReturned })).toString('base64url'),
        ),
      );
    for (const object of listed.objects) {
      const contents = new XmlNode('Contents')
        .c(XmlNode.of('Key', encode(object.key)))
        .c(XmlNode.of('LastModified', object.lastModified.toISOString()))
        .c(XmlNode.of('ETag', object.etag))
        .c(XmlNode.of('Size', String(object.size)))
        .c(XmlNode.of('StorageClass', 'STANDARD'));
      for (const algorithm of Object.keys(object.checksums))
        contents.c(XmlNode.of('ChecksumAlgorithm', algorithm));
      result.c(contents);
    }
    for (const commonPrefix of listed.commonPrefixes)
      result.c(new XmlNode('CommonPrefixes').c(XmlNode.of('Prefix', encode(commonPrefix))));
    return replyXml(res, request, 200, result);
  }

  async #deleteObjects(request: Request, bucket: string, body: Buffer, res: ServerResponse) {
    await this.store.assertBucket(bucket);
    if (!request.headers['content-md5'] && Object.keys(checksumHeaders(request.headers)).length === 0)
      throw new AwsServiceError(
        'InvalidRequest',
        'Missing required header for this request: Content-MD5 or x-amz-checksum-*.',
        400,
      );
    let parsed: { Delete?: { Object?: unknown; Quiet?: string } };
    try {
      parsed = parseXML(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new AwsServiceError('MalformedXML', 'The XML you provided was not well-formed.', 400);
    }
    const entries = parsed.Delete?.Object;
    const objects = (Array.isArray(entries) ? entries : entries ? [entries] : []) as Array<{ Key?: string }>;
    if (objects.length === 0 || objects.length > 1000)
      throw new AwsServiceError('MalformedXML', 'A Delete request names from 1 to 1000 objects.', 400);
    const quiet = parsed.Delete?.Quiet === 'true';
    const result = new XmlNode('DeleteResult').a('xmlns', XMLNS);
    for (const { Key } of objects) {
      const key = String(Key ?? '');
      try {
        if (await this.store.delete(bucket, key))
          this.#notify('ObjectRemoved:Delete', { bucket, key, size: 0, etag: '' }, request.requestId);
        if (!quiet) result.c(new XmlNode('Deleted').c(XmlNode.of('Key', key)));
      } catch (error) {
        const failure =
          error instanceof AwsServiceError ? error : new AwsServiceError('InternalError', 'Failed.', 500);
        result.c(
          new XmlNode('Error')
            .c(XmlNode.of('Key', key))
            .c(XmlNode.of('Code', failure.code))
            .c(XmlNode.of('Message', failure.message)),
        );
      }
    }
    return replyXml(res, request, 200, result);
  }

  #notify(
    eventName: 'ObjectCreated:Put' | 'ObjectCreated:Copy' | 'ObjectRemoved:Delete',
    object: Pick<StoredObject, 'bucket' | 'key' | 'size' | 'etag'>,
    requestId: string,
  ): void {
    const kind = eventName.startsWith('ObjectCreated') ? 'created' : 'removed';
    for (const notification of this.#notifications.get(object.bucket) ?? []) {
      if (!notification.events.includes(kind)) continue;
      if (notification.prefix && !object.key.startsWith(notification.prefix)) continue;
      if (notification.suffix && !object.key.endsWith(notification.suffix)) continue;
      const event: S3Event = {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: this.#region,
            eventTime: new Date().toISOString(),
            eventName,
            userIdentity: { principalId: 'local' },
            requestParameters: { sourceIPAddress: '127.0.0.1' },
            responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId },
            s3: {
              s3SchemaVersion: '1.0',
              configurationId: notification.name,
              bucket: {
                name: object.bucket,
                ownerIdentity: { principalId: 'local' },
                arn: `arn:aws:s3:::${object.bucket}`,
              },
              object: {
                // S3 events carry keys form-encoded: spaces as "+", slashes as they are.
                key: encodeURIComponent(object.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
                size: object.size,
                eTag: object.etag.replace(/"/g, ''),
                sequencer: (++this.#sequence).toString(16).padStart(16, '0').toUpperCase(),
              },
            },
          },
        ],
      };
      this.#work.later(() => this.#deliver(notification.name, notification.target, event));
    }
  }

  async #deliver(name: string, target: string, event: unknown): Promise<void> {
    const outcome = await withRetries(() => this.#invoke!(target, event), this.#retry, this.#work);
    if (!outcome.ok)
      this.#deadLetters?.add({
        source: 's3',
        name,
        target,
        payload: event,
        error: describeError(outcome.error),
        attempts: outcome.attempts,
      });
  }
}

export interface LocalS3Server {
  url: string;
  close(): Promise<void>;
}

export async function startS3Server(options: {
  host: string;
  port: number;
  s3: LocalS3;
}): Promise<LocalS3Server> {
  const server = createServer((req, res) => {
    options.s3.handle(req, res).catch((error) => {
      console.error('Local S3 failed to answer:', error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function parseQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      try {
        return [decodeURIComponent(name), decodeURIComponent(value)];
      } catch {
        throw new InvalidArgument(`The query parameter ${name} is not properly encoded.`);
      }
    });
}

function checksumHeaders(headers: Request['headers']): Partial<Record<ChecksumAlgorithm, string>> {
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = headers[`x-amz-checksum-${algorithm.toLowerCase()}`];
    if (value) checksums[algorithm] = value;
  }
  return checksums;
}

function attributesFrom(
  headers: Request['headers'],
  checksums: Partial<Record<ChecksumAlgorithm, string>>,
): ObjectAttributes {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (name.startsWith('x-amz-meta-') && value !== undefined)
      metadata[name.slice('x-amz-meta-'.length)] = value;
  // The SDK marks aws-chunked bodies in Content-Encoding; S3 keeps only the encodings of the content.
  const contentEncoding = headers['content-encoding']
    ?.split(',')
    .map((e) => e.trim())
    .filter((e) => e && e !== 'aws-chunked')
    .join(',');
  const attributes: ObjectAttributes = { metadata, checksums };
  if (headers['content-type']) attributes.contentType = headers['content-type'];
  if (contentEncoding) attributes.contentEncoding = contentEncoding;
  if (headers['content-disposition']) attributes.contentDisposition = headers['content-disposition'];
  if (headers['content-language']) attributes.contentLanguage = headers['content-language'];
  if (headers['cache-control']) attributes.cacheControl = headers['cache-control'];
  if (headers.expires) attributes.expires = headers.expires;
  return attributes;
}

/** The object's stored headers, with the response-* overrides a presigned GET may carry. */
function objectHeaders(
  object: StoredObject,
  query: Array<[string, string]>,
): Record<string, string | number> {
  const override = (name: string) => query.find(([n]) => n === `response-${name}`)?.[1];
  const headers: Record<string, string | number> = {
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'content-type': override('content-type') ?? object.contentType,
  };
  const optional: Array<[string, string | undefined]> = [
    ['content-encoding', override('content-encoding') ?? object.contentEncoding],
    ['content-disposition', override('content-disposition') ?? object.contentDisposition],
    ['content-language', override('content-language') ?? object.contentLanguage],
    ['cache-control', override('cache-control') ?? object.cacheControl],
    ['expires', override('expires') ?? object.expires],
  ];
  for (const [name, value] of optional) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

function checksumResponseHeaders(object: Pick<StoredObject, 'checksums'>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [algorithm, value] of Object.entries(object.checksums))
    headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = value;
  if (Object.keys(headers).length) headers['x-amz-checksum-type'] = 'FULL_OBJECT';
  return headers;
}

/** One `bytes=` range, inclusive; undefined for none, or for several (S3 then sends the whole object). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  let start: number;
  let end: number;
  if (first === '') {
    if (last === '') return undefined;
    start = Math.max(0, size - Number(last));
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  }
  if (start >= size || start > end || size === 0)
    throw Object.assign(new AwsServiceError('InvalidRange', 'The requested range is not satisfiable', 416), {
      size,
    });
  return { start, end };
}

/** The body as sent, or decoded from the SDK's aws-chunked encoding with its trailing checksum. */
async function readBody(req: IncomingMessage, request: Request, payloadHash: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AwsServiceError(
        'EntityTooLarge',
        'Your proposed upload exceeds the maximum allowed size.',
        400,
      );
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  if (payloadHash.startsWith('STREAMING-')) {
    if (payloadHash !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER')
      throw notImplemented(`the ${payloadHash} payload signing mode`);
    const { body, trailers } = decodeAwsChunked(raw);
    const declared = request.headers['x-amz-decoded-content-length'];
    if (declared !== undefined && Number(declared) !== body.length)
      throw new AwsServiceError(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header.',
        400,
      );
    Object.assign(request.headers, trailers);
    return body;
  }
  if (/^[0-9a-f]{64}$/.test(payloadHash) && createHash('sha256').update(raw).digest('hex') !== payloadHash)
    throw new AwsServiceError(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      400,
    );
  return raw;
}

function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  const malformed = () =>
    new AwsServiceError('InvalidChunkSizeError', 'The aws-chunked body is malformed.', 400);
  let at = 0;
  const line = () => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw malformed();
    const text = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  for (;;) {
    const size = Number.parseInt(line().split(';')[0]!, 16);
    if (!Number.isFinite(size) || size < 0) throw malformed();
    if (size === 0) break;
    if (at + size > raw.length) throw malformed();
    parts.push(raw.subarray(at, at + size));
    at += size;
    if (line() !== '') throw malformed();
  }
  while (at < raw.length) {
    const text = line();
    if (text === '') break;
    const colon = text.indexOf(':');
    if (colon > 0) trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

function requestHeaders(request: Request): Record<string, string> {
  return { 'x-amz-request-id': request.requestId, 'x-amz-id-2': request.requestId, server: 'FunnelLocalS3' };
}

function reply(
  res: ServerResponse,
  request: Request,
  status: number,
  headers: Record<string, string | number>,
) {
  res.writeHead(status, {
    ...headers,
    ...requestHeaders(request),
    ...('content-length' in headers ? {} : { 'content-length': 0 }),
  });
  res.end();
}

function replyXml(res: ServerResponse, request: Request, status: number, node: XmlNode) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${node.toString()}`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...requestHeaders(request),
  });
  res.end(body);
}

function replyError(res: ServerResponse, request: Request, error: AwsServiceError) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra: Record<string, string> = {};
  if (error.code === 'InvalidRange')
    extra['content-range'] = `bytes */${(error as unknown as { size: number }).size}`;
  // HEAD answers carry no body: the SDK reads the status alone (404 becomes NotFound).
  if (request.method === 'HEAD') return reply(res, request, error.statusCode, extra);
  const node = new XmlNode('Error').c(XmlNode.of('Code', error.code)).c(XmlNode.of('Message', error.message));
  if (request.key) node.c(XmlNode.of('Key', request.key));
  if (request.bucket) node.c(XmlNode.of('BucketName', request.bucket));
  node
    .c(XmlNode.of('RequestId', request.requestId))
    .c(new XmlNode('HostId').c(new XmlText(request.requestId)));
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${node.toString()}`;
  res.writeHead(error.statusCode, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...extra,
    ...requestHeaders(request),
  });
  res.end(body);
}
