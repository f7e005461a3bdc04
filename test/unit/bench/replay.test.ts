import { describe, expect, it } from 'vitest';
import { contactTransaction } from '../../../bench/replay.ts';
import { packDerived, unpackDerived } from '../../../shared/platform/db/derived-payload.ts';

const CONTACT = '01KCONTACT0000000000000000';
const EVENT = '01KEVENT000000000000000000';
const HISTORY = '01KHISTORY0000000000000000';
const attributes = (item: Record<string, string>) =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }]));
const put = (item: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  Put: { TableName: 't', Item: { ...attributes(item), ...extra } },
});
// The history entry rides on the outbox item, compressed, to be written after the commit.
const derived = {
  B: packDerived([{ item: { PK: `T#x#CONTACT#${CONTACT}`, SK: `HIST#${HISTORY}`, entity: 'HistoryEntry' } }]),
};
const captured = {
  TransactItems: [
    put({ PK: `T#x#CONTACT#${CONTACT}`, SK: 'CONTACT', entity: 'Contact', email: 'ada@example.com' }),
    put({ PK: 'T#x#CONTACT-EMAIL#ada@example.com', SK: 'GUARD', entity: 'ContactEmail', contactId: CONTACT }),
    put({ PK: `T#x#EVT#${EVENT}`, SK: 'EVT', entity: 'DomainEvent', contactId: CONTACT }, { derived }),
  ],
};

describe('replaying the transaction of a new contact', () => {
  it('writes the same items for another contact: fresh ids, the new email, the tenant kept', () => {
    const transaction = contactTransaction(captured, { contactId: CONTACT, email: 'ada@example.com' });
    expect(transaction.items).toEqual(['Contact', 'ContactEmail', 'DomainEvent']);
    const again = JSON.stringify(transaction.again('grace@example.com'));
    for (const old of [CONTACT, EVENT, HISTORY, 'ada@example.com']) expect(again).not.toContain(old);
    const items = transaction.again('grace@example.com').TransactItems!.map((w) => w.Put!.Item!);
    expect(items[1]!.PK!.S).toBe('T#x#CONTACT-EMAIL#grace@example.com');
    expect(items[1]!.contactId!.S).toBe(items[0]!.PK!.S!.split('#').at(-1));
    expect(items[2]!.PK!.S).toMatch(/^T#x#EVT#/);
    const history = unpackDerived((items[2]!.derived as unknown as { B: Uint8Array }).B);
    expect(history[0]!.item.PK).toBe(items[0]!.PK!.S);
    expect(history[0]!.item.SK).not.toContain(HISTORY);
    expect(captured.TransactItems[2]!.Put.Item.derived).toBe(derived);
  });

  it('puts the contact item alone, as the PutItem floor', () => {
    const transaction = contactTransaction(captured, { contactId: CONTACT, email: 'ada@example.com' });
    const single = transaction.contactAgain('grace@example.com');
    expect(single.Item!.entity!.S).toBe('Contact');
    expect(single.Item!.email!.S).toBe('grace@example.com');
    expect(single.Item!.PK!.S).not.toContain(CONTACT);
  });

  it('refuses a transaction without its outbox event', () => {
    expect(() =>
      contactTransaction(
        { TransactItems: captured.TransactItems.slice(0, 2) },
        { contactId: CONTACT, email: 'a' },
      ),
    ).toThrow('outbox');
  });
});
