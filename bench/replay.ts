import type { PutItemCommandInput, TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { newId } from '../shared/platform/ids.ts';

/**
 * The transaction the API sent for one new contact, as a template: `again(email)` is the same
 * transaction (same items, same attributes, same sizes) for another contact, with fresh ids for
 * the contact, its history entry (carried on the outbox item, written after the commit) and its
 * outbox event, and another email. Floors send it with the plain SDK, so they write exactly what
 * the API wrote and nothing else. `contactAgain(email)` is the PutItem of the contact item alone.
 */
export interface ContactTransaction {
  /** The entity of each item written, in order. */
  items: string[];
  again(email: string): TransactWriteItemsCommandInput;
  contactAgain(email: string): PutItemCommandInput;
}

type Marshalled = Record<string, { S?: string; L?: unknown[] }>;

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
  const historyId = /"SK":\{"S":"HIST#([0-9A-Z]{26})"\}/.exec(JSON.stringify(input))?.[1];
  if (!eventId || !historyId) throw new Error('The captured transaction lacks its outbox event or history.');
  const template = JSON.stringify(input);
  const replaced = [created.contactId, eventId, historyId, created.email];
  const fresh = (email: string) => {
    const ids = [newId(), newId(), newId(), email];
    let text = template;
    replaced.forEach((old, i) => {
      text = text.replaceAll(old, ids[i]!);
    });
    return JSON.parse(text) as TransactWriteItemsCommandInput;
  };
  return {
    items: items.map((i) => i.entity?.S ?? '?'),
    again: fresh,
    contactAgain: (email) => {
      const contact = fresh(email).TransactItems!.find((w) => w.Put?.Item?.entity?.S === 'Contact')!.Put!;
      return contact as PutItemCommandInput;
    },
  };
}
