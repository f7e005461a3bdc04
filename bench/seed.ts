import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { invoiceKeys } from '../shared/invoicing/keys.ts';
import { asTenantId } from '../shared/platform/db/keys.ts';
import { newId } from '../shared/platform/ids.ts';
import { inParallel, type Phase } from './progress.ts';
import type { ContactTransaction } from './replay.ts';

/**
 * A long paid history, fast: copies of one real paid invoice, as the invoicing module's own test
 * makes them (test/integration/invoicing/seed.ts: same item, its own key, id, number and due-date
 * sorts), but written in parallel and with progress, for the 100,000 the dunning case needs.
 * Issuing and paying each through the API would take hours at that volume; the copies have the
 * same size and attributes, so they cost what real ones would. Only the invoice item is copied:
 * its payment and timeline items live in its own partition and no index the sweep reads.
 */
const BATCH = 25;
const CONCURRENCY = 8;

export async function clonePaidInvoices(
  raw: DynamoDBClient,
  tableName: string,
  tenantId: string,
  paidInvoiceId: string,
  count: number,
  phase: Phase,
): Promise<void> {
  const key = invoiceKeys.invoice(asTenantId(tenantId), paidInvoiceId);
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const { Item } = await raw.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { PK: { S: key.PK }, SK: { S: key.SK } },
      ConsistentRead: true,
    }),
  );
  const template = Item ? unmarshall(Item) : undefined;
  if (template?.status !== 'paid')
    throw new Error(`Invoice ${paidInvoiceId} is not paid: clone a paid invoice.`);
  const batches = Array.from({ length: Math.ceil(count / BATCH) }, (_, b) => b);
  await inParallel(batches, CONCURRENCY, async (b) => {
    const size = Math.min(BATCH, count - b * BATCH);
    const items = Array.from({ length: size }, (_, i) => {
      const id = newId();
      const sort = invoiceKeys.dueSort(String(template.dueDate), id);
      return {
        ...template,
        ...invoiceKeys.invoice(asTenantId(tenantId), id),
        id,
        number: `1999-${String(b * BATCH + i + 1).padStart(6, '0')}`,
        GSI1SK: sort,
        GSI2SK: sort,
        GSI3SK: sort,
      };
    });
    let pending: Record<string, unknown>[] | undefined = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const result = await doc.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }),
      );
      pending = result.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
    }
    phase.tick(size);
  });
}

/**
 * Contacts for a large audience, fast: copies of one real contact created through the API (its
 * contact item and its email guard, with the consent it was given), each with its own id and
 * email. Their creation history and outbox events are left out: these are people already in the
 * address book when the campaign starts, not creations for the consumers to react to.
 */
export async function cloneContacts(
  raw: DynamoDBClient,
  tableName: string,
  template: ContactTransaction,
  emails: readonly string[],
  phase: Phase,
): Promise<string[]> {
  const ids: string[] = [];
  const batches = Array.from({ length: Math.ceil(emails.length / 12) }, (_, b) =>
    emails.slice(b * 12, b * 12 + 12),
  );
  await inParallel(batches, CONCURRENCY, async (batch) => {
    const items = batch.flatMap((email) => {
      const writes = template.again(email).TransactItems ?? [];
      const kept = writes
        .map((w) => w.Put?.Item)
        .filter((item) => item?.entity?.S === 'Contact' || item?.entity?.S === 'ContactEmail');
      ids.push(kept.find((item) => item?.entity?.S === 'Contact')!.id!.S!);
      return kept;
    });
    let pending: WriteRequest[] | undefined = items.map((Item) => ({ PutRequest: { Item: Item! } }));
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const result: BatchWriteItemCommandOutput = await raw.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = result.UnprocessedItems?.[tableName];
    }
    phase.tick(batch.length);
  });
  return ids;
}
