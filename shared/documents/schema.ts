import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, named } from '../platform/schema.ts';
import { ATTACHABLE } from './keys.ts';

const doc = (description: string, example: unknown) => z.meta({ description, examples: [example] });
const DOCUMENT_ID = '01JE2K7R1C2D3E4F5G6H7J8K9M';
const AT = '2026-03-02T09:30:00.000Z';

export const AttachedTo = lazy(() =>
  z.object({
    kind: z.enum(ATTACHABLE).check(doc('The kind of record.', 'case')),
    id: Id.check(doc('The id of the record.', '01JE2K7Q8R9S0T1V2W3X4Y5Z6A')),
  }),
);

export const Document = named(
  'Document',
  lazy(() =>
    z.object({
      id: Id.check(doc('The document id.', DOCUMENT_ID)),
      name: z.string().check(doc('The file name, as uploaded or attached.', 'screenshot.png')),
      contentType: z.string().check(doc('The media type of the file.', 'image/png')),
      size: z.int().check(doc('The size of the current version in bytes.', 48213)),
      sha256: z
        .string()
        .check(
          doc('The SHA-256 of the current version, base64.', 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='),
        ),
      version: z.int().check(doc('The current version, from 1.', 1)),
      attachedTo: z
        .array(AttachedTo)
        .check(
          doc('The records the document is attached to.', [
            { kind: 'case', id: '01JE2K7Q8R9S0T1V2W3X4Y5Z6A' },
          ]),
        ),
      source: z.enum(['upload', 'email', 'rendered']).check(doc('How the file arrived.', 'email')),
      status: z
        .enum(['uploading', 'available'])
        .check(
          doc(
            '`uploading` until the upload is completed and checked; only `available` documents are listed.',
            'available',
          ),
        ),
      createdAt: IsoDateTime.check(doc('When the document was created.', AT)),
      updatedAt: IsoDateTime.check(doc('When its last version was added.', AT)),
    }),
  ),
  'A file on one or more records, kept in the private documents bucket.',
);
export type Document = z.infer<typeof Document>;

export const DocumentDownload = named(
  'DocumentDownload',
  lazy(() =>
    z.object({
      url: z
        .string()
        .check(
          doc(
            'A presigned address that downloads the file, for a few minutes.',
            'https://documents.s3.amazonaws.com/...',
          ),
        ),
      expiresAt: IsoDateTime.check(doc('When the address stops working.', AT)),
    }),
  ),
  'A short-lived download address.',
);

/** What a browser or an integration may upload: office documents, PDFs, images, text, archives. */
export const ALLOWED_CONTENT_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'message/rfc822',
] as const;
/** 25 MB: what mail providers accept as attachments, so anything uploaded can also be mailed. */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export const DocumentUploadRequest = named(
  'DocumentUploadRequest',
  lazy(() =>
    z.object({
      name: z
        .string()
        .check(z.trim(), z.minLength(1), z.maxLength(255), doc('The file name.', 'proposal.pdf')),
      contentType: z
        .enum(ALLOWED_CONTENT_TYPES)
        .check(doc('The media type of the file (the allowed ones).', 'application/pdf')),
      size: z
        .int()
        .check(z.minimum(1), z.maximum(MAX_UPLOAD_BYTES), doc('The size in bytes, at most 25 MB.', 48213)),
      sha256: z
        .string()
        .check(
          z.regex(/^[A-Za-z0-9+/]{43}=$/, { message: 'Must be a base64 SHA-256 (44 characters).' }),
          doc(
            'The SHA-256 of the file, base64: S3 refuses a body that does not match it.',
            'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
          ),
        ),
      attachTo: z
        .array(AttachedTo)
        .check(
          z.minLength(1),
          z.maxLength(10),
          doc('The records to attach the document to.', [
            { kind: 'contact', id: '01JE2K6A1B2C3D4E5F6G7H8J9K' },
          ]),
        ),
    }),
  ),
);
export type DocumentUploadRequest = z.infer<typeof DocumentUploadRequest>;

export const DocumentUpload = named(
  'DocumentUpload',
  lazy(() =>
    z.extend(Document, {
      upload: z
        .object({
          url: z
            .string()
            .check(
              doc('The presigned address to PUT the file to.', 'https://documents.s3.amazonaws.com/...'),
            ),
          method: z.literal('PUT').check(doc('The method of the upload.', 'PUT')),
          headers: z.record(z.string(), z.string()).check(
            doc('Headers the PUT must carry exactly (they are signed).', {
              'content-type': 'application/pdf',
              'x-amz-checksum-sha256': 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
            }),
          ),
          expiresAt: IsoDateTime.check(doc('When the address stops working.', AT)),
        })
        .check(
          doc('Where and how to upload the file; then POST /v1/documents/{id}/complete.', {
            url: 'https://documents.s3.amazonaws.com/...',
            method: 'PUT',
            headers: { 'content-type': 'application/pdf' },
            expiresAt: AT,
          }),
        ),
    }),
  ),
  'A document waiting for its file, and the presigned upload.',
);
