import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { getItem, type Page, queryPage, type UnitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { type Attachable, DOCUMENTS_BUCKET, documentKeys, documentPrefix } from './keys.ts';
import type { Document } from './schema.ts';

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
    attachedTo,
    source,
    createdAt: now,
    updatedAt: now,
  };
  const [first] = attachedTo;
  uow.put({
    ...documentKeys.document(ctx.tenantId, document.id),
    entity: 'Document',
    ...document,
    storageKey: file.key,
    ...(first ? { GSI1PK: documentKeys.of(ctx.tenantId, first.kind, first.id), GSI1SK: document.id } : {}),
  });
  return document;
}

export async function getDocument(ctx: TenantContext, id: string): Promise<Document> {
  const item = await getItem(ctx, documentKeys.document(ctx.tenantId, id));
  if (!item) throw new NotFoundError('Document', id);
  return withoutKeys<Document>(item as Record<string, unknown>);
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
