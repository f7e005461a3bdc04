import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { sendMessages } from '../platform/aws/queues.ts';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import { describeActor, type TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { everyTenantItem, expiringTenantData, withoutSecretAttributes } from '../platform/tenant-data.ts';
import { exportKeys, exportPrefix } from './keys.ts';
import { EXPORT_SCHEMA_VERSION, type ExportFile, type Manifest, type TenantExport } from './schema.ts';

export const EXPORT_QUEUE = 'tenant-export';
/** How long a download address works once handed out. */
export const DOWNLOAD_SECONDS = 3600;

const exportsBucket = bucketName('tenant-exports');

/** Attributes that exist for storage only: keys, index keys, time to live. */
const STORAGE = /^(PK|SK|GSI\dPK|GSI\dSK|expiresAt|derives|derived)$/;

/** Queues an export of the whole tenant; the worker writes it off the request path. */
export async function startExport(ctx: TenantContext): Promise<TenantExport> {
  const now = ctx.clock.now().toISOString();
  const record: TenantExport = {
    id: newId(),
    status: 'queued',
    requestedAt: now,
    requestedBy: describeActor(ctx.actor),
  };
  await unitOfWork(ctx)
    .put({
      ...exportKeys.export(ctx.tenantId, record.id),
      entity: 'TenantExport',
      GSI1PK: exportKeys.all(ctx.tenantId),
      GSI1SK: `${now}#${record.id}`,
      ...record,
    })
    .commit();
  await sendMessages(EXPORT_QUEUE, [{ tenantId: ctx.tenantId, exportId: record.id }]);
  return record;
}

export async function getExport(ctx: TenantContext, id: string): Promise<TenantExport> {
  const item = await getItem(ctx, exportKeys.export(ctx.tenantId, id), { consistent: true });
  if (!item) throw new NotFoundError('Export', id);
  const record = withoutKeys<TenantExport>(item);
  if (record.status !== 'completed' || !record.files) return record;
  const prefix = exportPrefix(ctx.tenantId, id);
  const sign = (key: string) =>
    getSignedUrl(s3, new GetObjectCommand({ Bucket: exportsBucket, Key: key }), {
      expiresIn: DOWNLOAD_SECONDS,
    });
  const fileUrls: Record<string, string> = {};
  for (const file of record.files) fileUrls[file.kind] = await sign(file.key);
  return {
    ...record,
    downloadUrl: await sign(`${prefix}manifest.json`),
    fileUrls,
    downloadExpiresAt: new Date(ctx.clock.now().getTime() + DOWNLOAD_SECONDS * 1000).toISOString(),
  };
}

/**
 * Writes the export: every record the tenant registry reaches, once, as NDJSON per kind, then the
 * manifest, then marks the export completed. A redelivery of a completed export does nothing; a
 * redelivery of an interrupted one writes the same objects again. Only the message's tenant is read
 * (the walk queries the tenant's partitions only) and written (under `tenant=<id>/`).
 */
export async function runExport(ctx: TenantContext, exportId: string): Promise<void> {
  const key = exportKeys.export(ctx.tenantId, exportId);
  const item = await getItem(ctx, key, { consistent: true });
  if (!item || item.status === 'completed') return;
  await unitOfWork(ctx)
    .update(key, { set: { status: 'running' } })
    .commit();
  const expiring = new Set(expiringTenantData().map((family) => family.partition));
  const lines = new Map<string, string[]>();
  for await (const stored of everyTenantItem({ db: ctx.db, tenant: ctx.tenantId })) {
    if (expiring.has(String(stored.PK).split('#')[2] ?? '')) continue;
    if (stored.entity === 'TenantExport') continue;
    const shown = withoutSecretAttributes(stored);
    if (!shown) continue;
    const kind = String(stored.entity ?? 'Unknown');
    const record = Object.fromEntries(
      Object.entries(shown).filter(([name]) => !STORAGE.test(name) && name !== 'entity'),
    );
    const list = lines.get(kind) ?? [];
    list.push(JSON.stringify(record));
    lines.set(kind, list);
  }
  const prefix = exportPrefix(ctx.tenantId, exportId);
  const files: ExportFile[] = [];
  for (const kind of [...lines.keys()].sort()) {
    const body = `${lines.get(kind)!.join('\n')}\n`;
    const fileKey = `${prefix}${kind}.ndjson`;
    await s3.send(
      new PutObjectCommand({
        Bucket: exportsBucket,
        Key: fileKey,
        Body: body,
        ContentType: 'application/x-ndjson',
      }),
    );
    files.push({
      kind,
      key: fileKey,
      records: lines.get(kind)!.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  }
  const completedAt = ctx.clock.now().toISOString();
  const manifest: Manifest = {
    schemaVersion: EXPORT_SCHEMA_VERSION,
    tenantId: ctx.tenantId,
    exportId,
    createdAt: completedAt,
    files,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: exportsBucket,
      Key: `${prefix}manifest.json`,
      Body: JSON.stringify(manifest, null, 2),
      ContentType: 'application/json',
    }),
  );
  await unitOfWork(ctx)
    .update(key, { set: { status: 'completed', completedAt, files } })
    .commit();
}
