import type { TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { newId } from '../shared/platform/ids.ts';

/**
 * The transaction the API sent for one new contact, as a template: `again(email)` is the same
 * transaction (same items, same attributes, same sizes) for another contact, with fresh ids for
 * the contact, its history entry and its outbox event, and another email. Floors send it with the
 * plain SDK, so they write exactly what the API wrote and nothing else.
 */
export interface ContactTransaction {
  /** The entity of each item written, in order. */
  items: string[];
  again(email: string): TransactWriteItemsCommandInput;
}

type Marshalled = Record<string, { S?: string }>;

export function contactTransaction(
  input: Record<string, unknown>,
  created: { contactId: string; email: string },
): ContactTransaction {
  const writes = (input.TransactItems ?? []) as Array<Record<string, { Item?: Marshalled }>>;
  const items = writes.map((write) => Object.values(write)[0]?.Item).filter((i) => i !== undefined);
  const eventId = items
    .find((i) => i.entity?.S === 'DomainEvent')
    ?.PK?.S?.split('#')
    .at(-1);
  const historyId = items.find((i) => i.entity?.S === 'HistoryEntry')?.SK?.S?.replace('HIST#', '');
  if (!eventId || !historyId) throw new Error('The captured transaction lacks its outbox event or history.');
  const template = JSON.stringify(input);
  const replaced = [created.contactId, eventId, historyId, created.email];
  return {
    items: items.map((i) => i.entity?.S ?? '?'),
    again: (email) => {
      const fresh = [newId(), newId(), newId(), email];
      let text = template;
      replaced.forEach((old, i) => {
        text = text.replaceAll(old, fresh[i]!);
      });
      return JSON.parse(text);
    },
  };
}
