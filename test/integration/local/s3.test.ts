import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BucketNotificationSpec } from '../../../functions/app/types.ts';
import { MemoryDeadLetters } from '../../../infra/local/aws/dead-letters.ts';
import { LocalS3, type LocalS3Server, startS3Server } from '../../../infra/local/aws/s3.ts';
import { ObjectStore } from '../../../infra/local/aws/s3-store.ts';
import { freePort } from '../../../infra/local/ports.ts';

const root = mkdtempSync(join(tmpdir(), 'funnel-s3-test-'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const notifications: BucketNotificationSpec[] = [
  { name: 'inbox-arrivals', events: ['created'], prefix: 'inbox/', target: 'read-inbox' },
  { name: 'failing', events: ['created'], prefix: 'poison/', target: 'always-fails' },
  { name: 'removals', events: ['removed'], prefix: 'inbox/', target: 'forget-inbox' },
];
const invocations: Array<{ target: string; event: S3Event }> = [];
const deadLetters = new MemoryDeadLetters();
let clockOffsetMs = 0;
let s3: LocalS3;
let server: LocalS3Server;
let client: S3Client;

beforeAll(async () => {
  const store = new ObjectStore(root);
  await store.createBucket('files');
  await store.createBucket('other-files');
  s3 = new LocalS3({
    store,
    credentials: [credentials],
    region: 'us-east-1',
    notifications: new Map([['files', notifications]]),
    invoke: async (target, event) => {
      if (target === 'always-fails') throw new Error('cannot read this file');
      invocations.push({ target, event: event as S3Event });
    },
    deadLetters,
    retry: { attempts: 2, delayMs: 5 },
    now: () => new Date(Date.now() + clockOffsetMs),
  });
  server = await startS3Server({ host: '127.0.0.1', port: await freePort(), s3 });
  client = new S3Client({ endpoint: server.url, region: 'us-east-1', credentials, forcePathStyle: true });
});

afterAll(async () => {
  client?.destroy();
  s3?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  clockOffsetMs = 0;
});

const text = async (response: { Body?: { transformToString(): Promise<string> } }) =>
  response.Body!.transformToString();

async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error('Expected the request to fail.');
}

describe('the local S3, through the unchanged SDK', () => {
  it('keeps an object as a plain file at <root>/<bucket>/<key>, with its type, metadata and checksum', async () => {
    const body = 'tenant,amount\nA,100\n';
    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'files',
        Key: 'reports/tenant=T1/2026 Q1.csv',
        Body: body,
        ContentType: 'text/csv',
        Metadata: { origin: 'test' },
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    expect(readFileSync(join(root, 'files', 'reports', 'tenant=T1', '2026 Q1.csv'), 'utf8')).toBe(body);

    const got = await client.send(
      new GetObjectCommand({ Bucket: 'files', Key: 'reports/tenant=T1/2026 Q1.csv' }),
    );
    expect(await text(got)).toBe(body);
    expect(got.ContentType).toBe('text/csv');
    expect(got.ContentLength).toBe(Buffer.byteLength(body));
    expect(got.Metadata).toEqual({ origin: 'test' });
    expect(got.ETag).toBe(put.ETag);

    const head = await client.send(
      new HeadObjectCommand({
        Bucket: 'files',
        Key: 'reports/tenant=T1/2026 Q1.csv',
        ChecksumMode: 'ENABLED',
      }),
    );
    expect(head.ChecksumSHA256).toBe(createHash('sha256').update(body).digest('base64'));
    expect(head.ContentLength).toBe(Buffer.byteLength(body));
  });

  it('refuses a body whose checksum does not match, and stores nothing', async () => {
    const error = await errorOf(
      client.send(
        new PutObjectCommand({
          Bucket: 'files',
          Key: 'bad-digest.txt',
          Body: 'hello',
          ChecksumSHA256: Buffer.alloc(32).toString('base64'),
        }),
      ),
    );
    expect(error.name).toBe('BadDigest');
    expect(existsSync(join(root, 'files', 'bad-digest.txt'))).toBe(false);
  });

  it('takes a streamed body (aws-chunked, with a trailing checksum)', async () => {
    const parts = ['first part, ', 'second part, ', 'last part'];
    await client.send(
      new PutObjectCommand({
        Bucket: 'files',
        Key: 'streamed.txt',
        Body: Readable.from(parts.map((p) => Buffer.from(p))),
        ContentLength: parts.join('').length,
      }),
    );
    expect(readFileSync(join(root, 'files', 'streamed.txt'), 'utf8')).toBe(parts.join(''));
    const head = await client.send(
      new HeadObjectCommand({ Bucket: 'files', Key: 'streamed.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumCRC32).toBeTruthy();
  });

  it('answers byte ranges, and 416 for a range past the end', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'digits.txt', Body: '0123456789' }));
    const middle = await client.send(
      new GetObjectCommand({ Bucket: 'files', Key: 'digits.txt', Range: 'bytes=2-5' }),
    );
    expect(await text(middle)).toBe('2345');
    expect(middle.ContentRange).toBe('bytes 2-5/10');
    const tail = await client.send(
      new GetObjectCommand({ Bucket: 'files', Key: 'digits.txt', Range: 'bytes=-3' }),
    );
    expect(await text(tail)).toBe('789');
    const error = await errorOf(
      client.send(new GetObjectCommand({ Bucket: 'files', Key: 'digits.txt', Range: 'bytes=20-30' })),
    );
    expect(error.$metadata.httpStatusCode).toBe(416);
  });

  it('lists keys in order by prefix, rolls them up at a delimiter, and pages with continuation tokens', async () => {
    const keys = ['list/a.txt', 'list/b/1.txt', 'list/b/2.txt', 'list/c.txt', 'list/d/1.txt', 'list/e.txt'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: 'files', Key: key, Body: key }));

    const all = await client.send(new ListObjectsV2Command({ Bucket: 'files', Prefix: 'list/' }));
    expect(all.Contents?.map((c) => c.Key)).toEqual(keys);
    expect(all.Contents?.[0]?.Size).toBe('list/a.txt'.length);

    const rolled = await client.send(
      new ListObjectsV2Command({ Bucket: 'files', Prefix: 'list/', Delimiter: '/' }),
    );
    expect(rolled.Contents?.map((c) => c.Key)).toEqual(['list/a.txt', 'list/c.txt', 'list/e.txt']);
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/b/', 'list/d/']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: 'files',
          Prefix: 'list/',
          Delimiter: '/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      pages++;
      seen.push(
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      );
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['list/a.txt', 'list/b/', 'list/c.txt', 'list/d/', 'list/e.txt']);
  });

  it('deletes one object or many, removing their files; deleting a missing key succeeds', async () => {
    for (const key of ['gone/1.txt', 'gone/2.txt', 'gone/3.txt'])
      await client.send(new PutObjectCommand({ Bucket: 'files', Key: key, Body: key }));
    await client.send(new DeleteObjectCommand({ Bucket: 'files', Key: 'gone/1.txt' }));
    await client.send(new DeleteObjectCommand({ Bucket: 'files', Key: 'gone/never-was.txt' }));
    const many = await client.send(
      new DeleteObjectsCommand({
        Bucket: 'files',
        Delete: { Objects: [{ Key: 'gone/2.txt' }, { Key: 'gone/3.txt' }] },
      }),
    );
    expect(many.Deleted?.map((d) => d.Key).sort()).toEqual(['gone/2.txt', 'gone/3.txt']);
    const left = await client.send(new ListObjectsV2Command({ Bucket: 'files', Prefix: 'gone/' }));
    expect(left.KeyCount).toBe(0);
    expect(existsSync(join(root, 'files', 'gone'))).toBe(false);
  });

  it('copies an object with its metadata to another bucket', async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: 'files',
        Key: 'original.json',
        Body: '{"a":1}',
        ContentType: 'application/json',
        Metadata: { kind: 'x' },
      }),
    );
    await client.send(
      new CopyObjectCommand({
        Bucket: 'other-files',
        Key: 'copies/copy.json',
        CopySource: 'files/original.json',
      }),
    );
    const copy = await client.send(new GetObjectCommand({ Bucket: 'other-files', Key: 'copies/copy.json' }));
    expect(await text(copy)).toBe('{"a":1}');
    expect(copy.ContentType).toBe('application/json');
    expect(copy.Metadata).toEqual({ kind: 'x' });
  });

  it('writes once with If-None-Match: * and answers 412 the second time', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: 'files', Key: 'once.txt', Body: 'first', IfNoneMatch: '*' }),
    );
    const error = await errorOf(
      client.send(
        new PutObjectCommand({ Bucket: 'files', Key: 'once.txt', Body: 'second', IfNoneMatch: '*' }),
      ),
    );
    expect(error.$metadata.httpStatusCode).toBe(412);
    expect(readFileSync(join(root, 'files', 'once.txt'), 'utf8')).toBe('first');
  });

  it('answers missing keys and buckets with the errors the SDK knows', async () => {
    expect(
      await errorOf(client.send(new GetObjectCommand({ Bucket: 'files', Key: 'nothing-here' }))),
    ).toBeInstanceOf(NoSuchKey);
    expect(
      await errorOf(client.send(new HeadObjectCommand({ Bucket: 'files', Key: 'nothing-here' }))),
    ).toBeInstanceOf(NotFound);
    expect(await errorOf(client.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' })))).toBeInstanceOf(
      NoSuchBucket,
    );
  });

  it('refuses, with the reason, a key that cannot be a file beside another key', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'clash', Body: 'file' }));
    const error = await errorOf(
      client.send(new PutObjectCommand({ Bucket: 'files', Key: 'clash/inside', Body: 'x' })),
    );
    expect(error.name).toBe('InvalidArgument');
    expect(error.message).toContain('clash');
  });
});

describe('signatures', () => {
  it('serves presigned GET and PUT URLs to plain HTTP clients', async () => {
    const putUrl = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: 'files', Key: 'presigned/upload.pdf', ContentType: 'application/pdf' }),
      { expiresIn: 60 },
    );
    const uploaded = await fetch(putUrl, {
      method: 'PUT',
      body: '%PDF-1.7',
      headers: { 'content-type': 'application/pdf' },
    });
    expect(uploaded.status).toBe(200);

    const getUrl = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: 'files', Key: 'presigned/upload.pdf' }),
      {
        expiresIn: 60,
      },
    );
    const downloaded = await fetch(getUrl);
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get('content-type')).toBe('application/pdf');
    expect(await downloaded.text()).toBe('%PDF-1.7');
  });

  it('refuses a presigned URL that was altered, or has expired', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'secret.txt', Body: 'secret' }));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'files', Key: 'secret.txt' }), {
      expiresIn: 60,
    });

    const otherKey = await fetch(url.replace('secret.txt', 'once.txt'));
    expect(otherKey.status).toBe(403);
    expect(await otherKey.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    clockOffsetMs = 61_000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
  });

  it('refuses unsigned requests and requests signed with another secret', async () => {
    const anonymous = await fetch(`${server.url}/files/secret.txt`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');

    const impostor = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'guessed' },
    });
    const error = await errorOf(impostor.send(new GetObjectCommand({ Bucket: 'files', Key: 'secret.txt' })));
    impostor.destroy();
    expect(error.name).toBe('SignatureDoesNotMatch');
  });
});

describe('bucket notifications', () => {
  it('invoke the declared function with the S3 event of each object created under the prefix', async () => {
    invocations.length = 0;
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'inbox/mail 1.eml', Body: 'From: a@b' }));
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'elsewhere/mail.eml', Body: 'x' }));
    await s3.idle();
    expect(invocations.map((i) => i.target)).toEqual(['read-inbox']);
    const [record] = invocations[0]!.event.Records;
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: {
        configurationId: 'inbox-arrivals',
        bucket: { name: 'files', arn: 'arn:aws:s3:::files' },
        object: { key: 'inbox/mail+1.eml', size: 9 },
      },
    });

    await client.send(new DeleteObjectCommand({ Bucket: 'files', Key: 'inbox/mail 1.eml' }));
    await s3.idle();
    expect(invocations.map((i) => i.target)).toEqual(['read-inbox', 'forget-inbox']);
    expect(invocations[1]!.event.Records[0]!.eventName).toBe('ObjectRemoved:Delete');
  });

  it('keep a notification whose function keeps failing as a dead letter, which replays', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'files', Key: 'poison/file.txt', Body: 'x' }));
    await s3.idle();
    const [letter] = deadLetters.list().filter((l) => l.source === 's3');
    expect(letter).toMatchObject({ name: 'failing', target: 'always-fails', attempts: 2 });
    expect(letter!.error).toContain('cannot read this file');
    await s3.replay(deadLetters.take(letter!.id)!);
    expect(deadLetters.list().filter((l) => l.source === 's3')).toHaveLength(1);
  });
});
