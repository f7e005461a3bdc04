import * as z from 'zod/mini';
import { Id, IsoDateTime, named } from '../platform/schema.ts';
import { ATTACHABLE } from './keys.ts';

const doc = (description: string, example: unknown) => z.meta({ description, examples: [example] });
const DOCUMENT_ID = '01JE2K7R1C2D3E4F5G6H7J8K9M';
const AT = '2026-03-02T09:30:00.000Z';

export const AttachedTo = z.object({
  kind: z.enum(ATTACHABLE).check(doc('The kind of record.', 'case')),
  id: Id.check(doc('The id of the record.', '01JE2K7Q8R9S0T1V2W3X4Y5Z6A')),
});

export const Document = named(
  'Document',
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
        doc('The records the document is attached to.', [{ kind: 'case', id: '01JE2K7Q8R9S0T1V2W3X4Y5Z6A' }]),
      ),
    source: z.enum(['upload', 'email', 'rendered']).check(doc('How the file arrived.', 'email')),
    createdAt: IsoDateTime.check(doc('When the document was created.', AT)),
    updatedAt: IsoDateTime.check(doc('When its last version was added.', AT)),
  }),
  'A file on one or more records, kept in the private documents bucket.',
);
export type Document = z.infer<typeof Document>;

export const DocumentDownload = named(
  'DocumentDownload',
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
  'A short-lived download address.',
);
