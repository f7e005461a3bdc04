import { type TenantId, tenantKey } from '../platform/db/keys.ts';

export const DOCUMENTS_BUCKET = 'documents';

/** Record kinds a document can be attached to. */
export const ATTACHABLE = ['contact', 'company', 'deal', 'quote', 'order', 'invoice', 'case'] as const;
export type Attachable = (typeof ATTACHABLE)[number];

/**
 * A document's partition holds the document (`DOC`) and one listing item per record it is attached
 * to (`ON#<kind>#<id>`), which GSI1 lists per record, newest first: `DOCUMENTS-OF#<kind>#<id>`.
 * GSI2 lists every document of the tenant. See docs/data-model.md (Documents).
 */
export const documentKeys = {
  document: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'DOCUMENT', id), SK: 'DOC' }),
  /** The document's listing under one record it is attached to. */
  attachment: (t: TenantId, id: string, kind: Attachable, recordId: string) => ({
    PK: tenantKey(t, 'DOCUMENT', id),
    SK: `ON#${kind}#${recordId}`,
  }),
  of: (t: TenantId, kind: Attachable, id: string) => tenantKey(t, 'DOCUMENTS-OF', kind, id),
  /** GSI2: every document of the tenant (export, deletion). */
  all: (t: TenantId) => tenantKey(t, 'DOCUMENTS'),
};

/** Objects live under the tenant's prefix, so a departing tenant's files go with one prefix. */
export const documentPrefix = (t: TenantId) => `tenants/${t}/`;
export const objectKey = (t: TenantId, documentId: string, version: number) =>
  `${documentPrefix(t)}documents/${documentId}/v${version}`;
