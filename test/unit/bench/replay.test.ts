import { describe, expect, it } from 'vitest';
import { contactTransaction } from '../../../bench/replay.ts';

const CONTACT = '01KCONTACT0000000000000000';
const EVENT = '01KEVENT000000000000000000';
const HISTORY = '01KHISTORY0000000000000000';
const put = (item: Record<string, string>) => ({
  Put: { TableName: 't', Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }])) },
});
const captured = {
  TransactItems: [
    put({ PK: `T#x#CONTACT#${CONTACT}`, SK: 'CONTACT', entity: 'Contact', email: 'ada@example.com' }),
    put({ PK: 'T#x#CONTACT-EMAIL#ada@example.com', SK: 'GUARD', entity: 'ContactEmail', contactId: CONTACT }),
    put({ PK: `T#x#CONTACT#${CONTACT}`, SK: `HIST#${HISTORY}`, entity: 'HistoryEntry' }),
    put({ PK: `T#x#EVT#${EVENT}`, SK: 'EVT', entity: 'DomainEvent', contactId: CONTACT }),
  ],
};

describe('replaying the transaction of a new contact', () => {
  it('writes the same items for another contact: fresh ids, the new email, the tenant kept', () => {
    const transaction = contactTransaction(captured, { contactId: CONTACT, email: 'ada@example.com' });
    expect(transaction.items).toEqual(['Contact', 'ContactEmail', 'HistoryEntry', 'DomainEvent']);
    const again = JSON.stringify(transaction.again('grace@example.com'));
    for (const old of [CONTACT, EVENT, HISTORY, 'ada@example.com']) expect(again).not.toContain(old);
    const items = transaction.again('grace@example.com').TransactItems!.map((w) => w.Put!.Item!);
    expect(items[1]!.PK!.S).toBe('T#x#CONTACT-EMAIL#grace@example.com');
    expect(items[0]!.PK!.S).toBe(items[2]!.PK!.S);
    expect(items[1]!.contactId!.S).toBe(items[0]!.PK!.S!.split('#').at(-1));
    expect(items[3]!.PK!.S).toMatch(/^T#x#EVT#/);
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
