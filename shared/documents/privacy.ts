import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../platform/aws/s3.ts';
import { bucketName } from '../platform/buckets.ts';
import type { TenantContext } from '../platform/context.ts';
import { exists } from '../platform/db/expressions.ts';
import { getItem, queryAll, unitOfWork } from '../platform/db/repository.ts';
import { DOCUMENTS_BUCKET, documentKeys } from './keys.ts';
import type { Document } from './schema.ts';

/**
 * Erasure of a contact takes their documents: a document on the contact alone is deleted, file
 * and items; one also on other records (a case, a deal) loses its listing on the contact and the
 * contact from `attachedTo`, and stays with those records. Running it again finds nothing left.
 */
export async function eraseContactDocuments(ctx: TenantContext, contactId: string): Promise<number> {
  const listings = await queryAll(ctx, {
    index: 'GSI1',
    partition: documentKeys.of(ctx.tenantId, 'contact', contactId),
  });
  for (const listing of listings) {
    const id = String(listing.id);
    const item = await getItem(ctx, documentKeys.document(ctx.tenantId, id), { consistent: true });
    if (!item) continue;
    const attachedTo = (item.attachedTo as Document['attachedTo']).filter(
      (on) => !(on.kind === 'contact' && on.id === contactId),
    );
    const uow = unitOfWork(ctx);
    uow.delete(documentKeys.attachment(ctx.tenantId, id, 'contact', contactId));
    if (attachedTo.length === 0) {
      await s3.send(
        new DeleteObjectCommand({ Bucket: bucketName(DOCUMENTS_BUCKET), Key: String(item.storageKey) }),
      );
      uow.delete(documentKeys.document(ctx.tenantId, id));
    } else {
      uow.update(documentKeys.document(ctx.tenantId, id), { set: { attachedTo } });
      for (const on of attachedTo)
        uow.update(documentKeys.attachment(ctx.tenantId, id, on.kind, on.id), { set: { attachedTo } });
    }
    await uow.commit();
  }
  return listings.length;
}

/**
 * A merge moves the duplicate's documents to the kept contact: each listing on the duplicate
 * becomes one on the kept contact, and `attachedTo` names the kept contact (once), so that the
 * kept contact shows them and its erasure takes them. Running it again finds nothing left.
 */
export async function moveContactDocuments(
  ctx: TenantContext,
  fromId: string,
  toId: string,
): Promise<number> {
  const t = ctx.tenantId;
  const listings = await queryAll(ctx, { index: 'GSI1', partition: documentKeys.of(t, 'contact', fromId) });
  for (const listing of listings) {
    const id = String(listing.id);
    const item = await getItem(ctx, documentKeys.document(t, id), { consistent: true });
    if (!item) continue;
    const { PK: _pk, SK: _sk, GSI2PK: _all, GSI2SK: _allSort, ...fields } = item;
    const isKept = (on: { kind: string; id: string }) => on.kind === 'contact' && on.id === toId;
    const moved = (item.attachedTo as Document['attachedTo']).map((on) =>
      on.kind === 'contact' && on.id === fromId ? { kind: 'contact' as const, id: toId } : on,
    );
    const attachedTo = moved.filter((on, i) => !isKept(on) || moved.findIndex(isKept) === i);
    const uow = unitOfWork(ctx);
    uow.delete(documentKeys.attachment(t, id, 'contact', fromId));
    // As read: a document changed or removed meanwhile fails the move, which its redelivery redoes
    // from what is there then (and never brings back a removed item).
    const updatedAt = ctx.clock.now().toISOString();
    uow.update(documentKeys.document(t, id), {
      set: { attachedTo, updatedAt },
      condition: (e) => `${e.name('updatedAt')} = ${e.value(item.updatedAt)}`,
    });
    for (const on of attachedTo) {
      if (isKept(on))
        uow.put({
          ...documentKeys.attachment(t, id, 'contact', toId),
          ...fields,
          attachedTo,
          updatedAt,
          entity: 'DocumentAttachment',
          GSI1PK: documentKeys.of(t, 'contact', toId),
          GSI1SK: id,
        });
      else
        uow.update(documentKeys.attachment(t, id, on.kind, on.id), {
          set: { attachedTo, updatedAt },
          condition: exists,
        });
    }
    await uow.commit();
  }
  return listings.length;
}
