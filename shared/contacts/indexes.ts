import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { getItem, type Item, queryAll, unitOfWork } from '../platform/db/repository.ts';
import type { Change } from '../platform/streams.ts';
import { contactKeys } from './keys.ts';
import { contactFromItem } from './records.ts';
import type { Contact } from './schema.ts';

/**
 * One index item per tag, phone, further email and address country/region of a contact: a
 * multi-valued attribute cannot be an index key of the contact item itself. Each sits in the
 * contact's partition (`IX#<kind>#<value>`), is projected into GSI2 under its own partition
 * prefix sorted by name, and carries the contact id and the contact version it reflects.
 *
 * They are derived from the committed contact, off the request's path: the stream consumer
 * `contact-indexes` makes them match the contact as it is when the change arrives (reading it
 * again), so a redelivered or late change can only repeat work, never undo a newer one; the
 * `version` each carries keeps two consumers racing on one contact from writing over each
 * other with an older state. Searches by tag, phone, email or country see a change within the
 * stream's lag (docs/data-model.md, Eventual consistency).
 */
interface IndexEntry {
  kind: string;
  value: string;
  GSI2PK: string;
  GSI2SK: string;
}

/** The index entries a contact should have. */
export function indexEntries(t: TenantId, contact: Contact): IndexEntry[] {
  const nameSort = contactKeys.nameSort(contact.lastName, contact.firstName, contact.id);
  const entries = new Map<string, IndexEntry>();
  const add = (kind: string, value: string, GSI2PK: string, GSI2SK = nameSort) =>
    entries.set(`${kind}#${value}`, { kind, value, GSI2PK, GSI2SK });
  for (const tag of contact.tags) add('TAG', tag, contactKeys.byTag(t, tag));
  for (const phone of contact.phones) add('PHONE', phone.number, contactKeys.byPhone(t, phone.number));
  for (const email of contact.emails) add('EMAIL', email, contactKeys.byOtherEmail(t, email));
  for (const address of contact.addresses) {
    const region = (address.region ?? '').toLowerCase();
    add(
      'COUNTRY',
      `${address.country}#${region}`,
      contactKeys.byCountry(t, address.country),
      `${region}#${nameSort}`,
    );
  }
  return [...entries.values()];
}

const signature = (t: TenantId, item: Item | undefined) =>
  item ? JSON.stringify(indexEntries(t, contactFromItem(item))) : '[]';

/** A newer version of the contact wrote (or removed) this index item already. */
class Superseded extends Error {}

/** Makes the contact's index items match the contact as it is now. */
export async function reconcileContactIndexes(change: Change, ctx: TenantContext): Promise<void> {
  const t = ctx.tenantId;
  // Most changes (a stage, an owner, a custom field) leave every index entry as it was.
  if (signature(t, change.before) === signature(t, change.after)) return;
  const contactId = String((change.after ?? change.before)!.id);
  const current = await getItem(ctx, contactKeys.contact(t, contactId), { consistent: true });
  const version = current ? Number(current.version) : Number.MAX_SAFE_INTEGER;
  const wanted = new Map(
    (current ? indexEntries(t, contactFromItem(current)) : []).map((e) => [
      contactKeys.indexItem(t, contactId, e.kind, e.value).SK,
      e,
    ]),
  );
  const existing = await queryAll(ctx, {
    partition: contactKeys.partition(t, contactId),
    sort: { beginsWith: 'IX#' },
    consistent: true,
  });
  const have = new Map(existing.map((item) => [String(item.SK), item]));
  const notNewer = (e: { name(a: string): string; value(v: unknown): string }) =>
    `attribute_not_exists(${e.name('PK')}) OR ${e.name('version')} <= ${e.value(version)}`;
  const superseded = () => new Superseded();
  const writes: Array<Promise<void>> = [];
  for (const [sk, entry] of wanted) {
    const item = have.get(sk);
    if (item && item.GSI2PK === entry.GSI2PK && item.GSI2SK === entry.GSI2SK) continue;
    writes.push(
      unitOfWork(ctx)
        .put(
          {
            ...contactKeys.indexItem(t, contactId, entry.kind, entry.value),
            entity: 'ContactIndex',
            contactId,
            GSI2PK: entry.GSI2PK,
            GSI2SK: entry.GSI2SK,
            version,
          },
          { condition: notNewer, onConditionFailed: superseded },
        )
        .commit(),
    );
  }
  for (const [sk, item] of have) {
    if (wanted.has(sk)) continue;
    writes.push(
      unitOfWork(ctx)
        .delete({ PK: String(item.PK), SK: sk }, { condition: notNewer, onConditionFailed: superseded })
        .commit(),
    );
  }
  const results = await Promise.allSettled(writes);
  const failed = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof Superseded),
  );
  if (failed) throw failed.reason;
}
