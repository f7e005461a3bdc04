import { type TenantId, tenantKey } from '../platform/db/keys.ts';

export const DOCUMENTS_BUCKET = 'documents';

/** Record kinds a document can be attached to. */
export const ATTACHABLE = ['contact', 'company', 'deal', 'quote', 'order', 'invoice', 'case'] as const;
export type Attachable = (typeof ATTACHABLE)[number];

/**
 * A document's partition holds the document (`DOC`). GSI1 lists a record's documents, newest
 * first: `DOCUMENTS-OF#<kind>#<id>`. See docs/data-model.md (Documents).
 */
export const documentKeys = {
  document: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'DOCUMENT', id), SK: 'DOC' }),
  of: (t: TenantId, kind: Attachable, id: string) => tenantKey(t, 'DOCUMENTS-OF', kind, id),
};

/** Objects live under the tenant's prefix, so a departing tenant's files go with one prefix. */
export const documentPrefix = (t: TenantId) => `tenants/${t}/`;
export const objectKey = (t: TenantId, documentId: string, version: number) =>
  `${documentPrefix(t)}documents/${documentId}/v${version}`;
