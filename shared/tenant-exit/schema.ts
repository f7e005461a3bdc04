import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Id, IsoDateTime, named } from '../platform/schema.ts';
import { secretField } from '../platform/secret-fields.ts';

export const EXPORT_SCHEMA_VERSION = 1;

export const ExportFile = lazy(() =>
  z.object({
    /** The kind of record (the entity type): one NDJSON file each. */
    kind: z.string(),
    key: z.string(),
    records: z.int(),
    sha256: z.string(),
  }),
);
export type ExportFile = z.infer<typeof ExportFile>;

const exportFields = {
  id: Id,
  status: lazy(() => z.enum(['queued', 'running', 'completed'])),
  requestedAt: IsoDateTime,
  requestedBy: lazy(() => z.string()),
  completedAt: lazy(() => z.optional(IsoDateTime)),
  /** Records written, per kind, once completed. */
  files: lazy(() => z.optional(z.array(ExportFile))),
};

/** What starting an export answers: it has not run yet, so there is nothing to download. */
export const TenantExportRequested = named(
  'TenantExportRequested',
  lazy(() => z.object(exportFields)),
  'An export of the tenant, queued.',
);

export const TenantExport = named(
  'TenantExport',
  lazy(() =>
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
  ),
  'An export of every record the tenant has, as NDJSON files (one per kind) and a manifest.',
);
export type TenantExport = z.infer<typeof TenantExport>;

export const Manifest = lazy(() =>
  z.object({
    schemaVersion: z.int(),
    tenantId: z.string(),
    exportId: z.string(),
    createdAt: IsoDateTime,
    files: z.array(ExportFile),
  }),
);
export type Manifest = z.infer<typeof Manifest>;

export const TenantDeletion = named(
  'TenantDeletion',
  lazy(() =>
    z.object({
      /**
       * `none`: nothing asked; `requested`: an admin asked and the confirmation token is waiting;
       * `frozen`: confirmed, the tenant is removed at `deleteAfter` unless an admin cancels first.
       */
      status: z.enum(['none', 'requested', 'frozen']),
      requestedAt: z.optional(IsoDateTime),
      requestedBy: z.optional(z.string()),
      /** Until when the confirmation token works. */
      confirmBefore: z.optional(IsoDateTime),
      confirmedAt: z.optional(IsoDateTime),
      confirmedBy: z.optional(z.string()),
      deleteAfter: z.optional(IsoDateTime),
    }),
  ),
  "Where the tenant's deletion stands (docs/tenant-exit.md).",
);
export type TenantDeletion = z.infer<typeof TenantDeletion>;

export const TenantDeletionRequested = named(
  'TenantDeletionRequested',
  lazy(() =>
    z.object({
      ...TenantDeletion.def.shape,
      /** Send it to POST /v1/tenant/deletion/confirm within the hour to freeze the tenant. */
      confirmationToken: secretField(z.string()),
    }),
  ),
  'A deletion request, waiting for its confirmation.',
);

export const TenantDeletionConfirmation = named(
  'TenantDeletionConfirmation',
  lazy(() => z.object({ token: z.string().check(z.minLength(1), z.maxLength(2000)) })),
);
