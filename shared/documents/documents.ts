import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists } from '../platform/db/expressions.ts';
import type { TenantId } from '../platform/db/keys.ts';
import {
  getItem,
  type Page,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { type Attachable, DOCUMENTS_BUCKET, documentKeys, documentPrefix, objectKey } from './keys.ts';
import type { Document, DocumentUploadRequest } from './schema.ts';
import { assertAttachable, targetKeys, targetsNow } from './targets.ts';

/** How long a download address works: long enough to start a download, too short to pass around. */
export const DOWNLOAD_SECONDS = 300;

let bucket: string | undefined;
const documentsBucket = () => {
  bucket ??= bucketName(DOCUMENTS_BUCKET);
  return bucket;
};

export interface StoredFile {
  key: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

/**
 * Writes a file's bytes under a key the caller derives from what makes the file unique (an inbound
 * message and the attachment's position), so a redelivery overwrites the same object instead of
 * leaving an orphan. The document item that makes it visible commits afterwards, with its record.
 */
export async function putFile(
  tenant: TenantId,
  path: string,
  file: { name: string; contentType: string; content: Buffer },
): Promise<StoredFile> {
  const sha256 = createHash('sha256').update(file.content).digest('base64');
  const key = `${documentPrefix(tenant)}${path}`;
  await s3.send(
    new PutObjectCommand({
      Bucket: documentsBucket(),
      Key: key,
      Body: file.content,
      ContentType: file.contentType,
      ChecksumSHA256: sha256,
    }),
  );
  return { key, name: file.name, contentType: file.contentType, size: file.content.length, sha256 };
}

/** Adds the document of a stored file, attached to records, to the caller's unit of work. */
export function documentInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  file: StoredFile,
  attachedTo: Array<{ kind: Attachable; id: string }>,
  source: Document['source'],
): Document {
  const now = ctx.clock.now().toISOString();
  const document: Document = {
    id: newId(),
    name: file.name,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    version: 1,
    attachedTo: distinct(attachedTo),
    source,
    status: 'available',
    createdAt: now,
    updatedAt: now,
  };
  putDocumentInto(uow, ctx, document, file.key);
  return document;
}

/** Each record once, in the order given: a record named twice gets one listing item. */
function distinct(attachedTo: Document['attachedTo']): Document['attachedTo'] {
  const seen = new Set<string>();
  return attachedTo.filter((on) => {
    const key = `${on.kind}#${on.id}`;
    return !seen.has(key) && !!seen.add(key);
  });
}

function putDocumentInto(uow: UnitOfWork, ctx: TenantContext, document: Document, storageKey: string) {
  // Again here: an upload announced before presignUpload de-duplicated may still name one twice,
  // and one transaction may not write the same listing item twice.
  const attachedTo = distinct(document.attachedTo);
  const item = { entity: 'Document', ...document, attachedTo, storageKey };
  uow.put({
    ...documentKeys.document(ctx.tenantId, document.id),
    ...item,
    GSI2PK: documentKeys.all(ctx.tenantId),
    GSI2SK: document.id,
  });
  // One listing item per record, in the document's partition, carrying the document's fields, so
  // a record's documents are one query on GSI1 whatever else the document is attached to.
  for (const on of attachedTo)
    uow.put({
      ...documentKeys.attachment(ctx.tenantId, document.id, on.kind, on.id),
      ...item,
      entity: 'DocumentAttachment',
      GSI1PK: documentKeys.of(ctx.tenantId, on.kind, on.id),
      GSI1SK: document.id,
    });
}

export async function getDocument(ctx: TenantContext, id: string): Promise<Document> {
  const item = await getItem(ctx, documentKeys.document(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Document', id);
  const { storageKey: _, ...document } = withoutKeys<Document & { storageKey: string }>(item);
  return document;
}

export async function listDocuments(
  ctx: TenantContext,
  of: { kind: Attachable; id: string },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Document>> {
  return queryPage(
    ctx,
    { index: 'GSI1', partition: documentKeys.of(ctx.tenantId, of.kind, of.id), ascending: false },
    page,
    (item) => {
      const { storageKey: _, ...rest } = withoutKeys<Document & { storageKey: string }>(item);
      return rest;
    },
  );
}

/** A presigned GET of the current version, valid DOWNLOAD_SECONDS, saving under the document's name. */
export async function downloadDocument(
  ctx: TenantContext,
  id: string,
): Promise<{ url: string; expiresAt: string }> {
  const item = await getItem(ctx, documentKeys.document(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Document', id);
  if (item.status === 'uploading')
    throw new ConflictError('The document has no file yet: complete its upload first.', {
      reason: 'not_uploaded',
    });
  const url = await getSignedUrl(
    s3,
    new GetObjectCommand({
      Bucket: documentsBucket(),
      Key: String(item.storageKey),
      ResponseContentDisposition: contentDisposition(String(item.name)),
      ResponseContentType: String(item.contentType),
    }),
    { expiresIn: DOWNLOAD_SECONDS },
  );
  return { url, expiresAt: new Date(ctx.clock.now().getTime() + DOWNLOAD_SECONDS * 1000).toISOString() };
}

/** RFC 6266 with an RFC 5987 UTF-8 name, and an ASCII fallback for old clients. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** How long an upload address works. */
export const UPLOAD_SECONDS = 900;

/**
 * An upload in two steps: this one checks the type, the size and the records, saves the document
 * as `uploading` with what the file must be, and presigns a PUT whose signature covers the
 * content type, the length and the SHA-256, so S3 refuses any other body. The document is listed
 * once `completeUpload` has checked the stored object again.
 */
export async function presignUpload(ctx: TenantContext, body: DocumentUploadRequest) {
  await assertAttachable(ctx, body.attachTo);
  const now = ctx.clock.now().toISOString();
  const id = newId();
  const key = objectKey(ctx.tenantId, id, 1);
  const document: Document = {
    id,
    name: body.name,
    contentType: body.contentType,
    size: body.size,
    sha256: body.sha256,
    version: 1,
    attachedTo: distinct(body.attachTo),
    source: 'upload',
    status: 'uploading',
    createdAt: now,
    updatedAt: now,
  };
  // Listed on GSI2 from the start: a document whose upload never completes is still the tenant's,
  // and its export and removal reach it.
  await unitOfWork(ctx)
    .put({
      ...documentKeys.document(ctx.tenantId, id),
      entity: 'Document',
      ...document,
      storageKey: key,
      GSI2PK: documentKeys.all(ctx.tenantId),
      GSI2SK: id,
    })
    .commit();
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({
      Bucket: documentsBucket(),
      Key: key,
      ContentType: body.contentType,
      ContentLength: body.size,
      ChecksumSHA256: body.sha256,
    }),
    { expiresIn: UPLOAD_SECONDS, unhoistableHeaders: new Set(['x-amz-checksum-sha256']) },
  );
  return {
    ...document,
    upload: {
      url,
      method: 'PUT' as const,
      headers: { 'content-type': body.contentType, 'x-amz-checksum-sha256': body.sha256 },
      expiresAt: new Date(ctx.clock.now().getTime() + UPLOAD_SECONDS * 1000).toISOString(),
    },
  };
}

/**
 * Checks the stored object against what was announced (size, type, SHA-256) and makes the
 * document available, with its listing under each record. An object that does not match is
 * deleted and the document stays `uploading` (422); completing twice answers the document.
 */
export async function completeUpload(ctx: TenantContext, id: string): Promise<Document> {
  const item = await getItem(ctx, documentKeys.document(ctx.tenantId, id), { consistent: true });
  if (!item) throw new NotFoundError('Document', id);
  const { storageKey, ...rest } = withoutKeys<Document & { storageKey: string }>(item);
  if (rest.status === 'available') return rest;
  const head = await s3
    .send(new HeadObjectCommand({ Bucket: documentsBucket(), Key: storageKey, ChecksumMode: 'ENABLED' }))
    .catch((error: { name?: string }) => {
      if (error.name === 'NotFound' || error.name === 'NoSuchKey') return undefined;
      throw error;
    });
  if (!head) throw new ConflictError('The file has not been uploaded yet.', { reason: 'not_uploaded' });
  const problem =
    head.ContentLength !== rest.size
      ? `The uploaded file has ${head.ContentLength} bytes, not the ${rest.size} announced.`
      : head.ContentType !== rest.contentType
        ? `The uploaded file is ${head.ContentType}, not the ${rest.contentType} announced.`
        : head.ChecksumSHA256 !== rest.sha256
          ? 'The uploaded file does not match the SHA-256 announced.'
          : undefined;
  if (problem) {
    await s3.send(new DeleteObjectCommand({ Bucket: documentsBucket(), Key: storageKey }));
    throw UnprocessableError.field('body', problem);
  }
  // The records may have changed since the upload was announced: a contact erased meanwhile
  // (whose documents the erasure has already removed) is left out, one merged into another is
  // followed there. Attach to those still there, checked in the transaction; with none of them
  // left, the upload is withdrawn.
  const attachedTo = await targetsNow(ctx, rest.attachedTo);
  if (attachedTo.length === 0) {
    await s3.send(new DeleteObjectCommand({ Bucket: documentsBucket(), Key: storageKey }));
    await unitOfWork(ctx).delete(documentKeys.document(ctx.tenantId, id)).commit();
    throw UnprocessableError.field(
      'body',
      'The records this document was to be attached to no longer exist; the upload was withdrawn.',
    );
  }
  const document: Document = {
    ...rest,
    attachedTo,
    status: 'available',
    updatedAt: ctx.clock.now().toISOString(),
  };
  const uow = unitOfWork(ctx);
  putDocumentInto(uow, ctx, document, storageKey);
  for (const key of targetKeys(ctx, attachedTo))
    uow.check(
      key,
      exists,
      () =>
        new ConflictError('A record this document is attached to was removed meanwhile; complete it again.'),
    );
  await uow.commit();
  return document;
}
