import * as z from 'zod/mini';
import { Id, IsoDateTime, named } from '../platform/schema.ts';
import { secretField } from '../platform/secret-fields.ts';

export const EXPORT_SCHEMA_VERSION = 1;

export const ExportFile = z.object({
  /** The kind of record (the entity type): one NDJSON file each. */
  kind: z.string(),
  key: z.string(),
  records: z.int(),
  sha256: z.string(),
});
export type ExportFile = z.infer<typeof ExportFile>;

const exportFields = {
  id: Id,
  status: z.enum(['queued', 'running', 'completed']),
  requestedAt: IsoDateTime,
  requestedBy: z.string(),
  completedAt: z.optional(IsoDateTime),
  /** Records written, per kind, once completed. */
  files: z.optional(z.array(ExportFile)),
};

/** What starting an export answers: it has not run yet, so there is nothing to download. */
export const TenantExportRequested = named(
  'TenantExportRequested',
  z.object(exportFields),
  'An export of the tenant, queued.',
);

export const TenantExport = named(
  'TenantExport',
  z.object({
    ...exportFields,
    /**
     * Once completed: a presigned address of the manifest, which names every file; each file's
     * own address is in `fileUrls`. They stop working at `downloadExpiresAt`.
     */
    downloadUrl: z.optional(secretField(z.string())),
    fileUrls: z.optional(secretField(z.record(z.string(), z.string()))),
    downloadExpiresAt: z.optional(IsoDateTime),
  }),
  'An export of every record the tenant has, as NDJSON files (one per kind) and a manifest.',
);
export type TenantExport = z.infer<typeof TenantExport>;

export const Manifest = z.object({
  schemaVersion: z.int(),
  tenantId: z.string(),
  exportId: z.string(),
  createdAt: IsoDateTime,
  files: z.array(ExportFile),
});
export type Manifest = z.infer<typeof Manifest>;
