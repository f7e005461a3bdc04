import type { PutItemCommandInput, TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { packDerived, unpackDerived } from '../shared/platform/db/derived-payload.ts';
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

type Marshalled = Record<string, { S?: string; L?: unknown[]; B?: Uint8Array }>;

export function contactTransaction(
  input: Record<string, unknown>,
  created: { contactId: string; email: string },
): ContactTransaction {
  const writes = (input.TransactItems ?? []) as Array<Record<string, { Item?: Marshalled }>>;
  const items = writes.map((write) => Object.values(write)[0]?.Item).filter((i) => i !== undefined);
  const outbox = items.find((i) => i.entity?.S === 'DomainEvent');
  const eventId = outbox?.PK?.S?.split('#').at(-1);
  // The derived items travel compressed (derived-payload.ts): rewritten as text, packed again.
  const packed = outbox?.derived?.B;
  const derivedTemplate = packed ? JSON.stringify(unpackDerived(packed)) : '';
  const template = JSON.stringify(input, (_, value) =>
    packed && value === outbox?.derived ? undefined : value,
  );
  const historyId = /"SK":(?:\{"S":)?"HIST#([0-9A-Z]{26})"/.exec(template + derivedTemplate)?.[1];
  if (!eventId || !historyId) throw new Error('The captured transaction lacks its outbox event or history.');
  const replaced = [created.contactId, eventId, historyId, created.email];
  const fresh = (email: string) => {
    const ids = [newId(), newId(), newId(), email];
    const rewrite = (text: string) =>
      replaced.reduce((result, old, i) => result.replaceAll(old, ids[i]!), text);
    const transaction = JSON.parse(rewrite(template)) as TransactWriteItemsCommandInput;
    if (packed) {
      const item = transaction.TransactItems!.find((w) => w.Put?.Item?.entity?.S === 'DomainEvent')!.Put!
        .Item!;
      item.derived = { B: packDerived(JSON.parse(rewrite(derivedTemplate))) };
    }
    return transaction;
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
