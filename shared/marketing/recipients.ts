import { contactKeys } from '../contacts/keys.ts';
import { contactFromItem } from '../contacts/records.ts';
import type { Contact } from '../contacts/schema.ts';
import { suppressedAmong } from '../mail/suppression.ts';
import type { TenantContext } from '../platform/context.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import { getItems, type Item } from '../platform/db/repository.ts';
import { topicKeys } from './keys.ts';
import type { SubscriptionStatus, Topic } from './schema.ts';

/**
 * What the marketing module reads about people: the contact item of the address book and the
 * items this module keeps in the contact's partition, fetched together with one BatchGetItem per
 * hundred keys. Contacts are read from their stored items (shared/contacts/records.ts), not
 * through the contacts service, so the sending functions stay small.
 */

/** A contact with the items of its partition that a question about it needs. */
export interface ContactData {
  id: string;
  contact: Contact | undefined;
  /** Items of the contact's partition by sort key (`TOPIC#...`, `BOUGHT#...`, `PURCHASE-SUMMARY`). */
  items: Map<string, Item>;
}

/**
 * Reads, for each contact, its contact item (unless already known) and the items of its
 * partition under `sortKeys`: one BatchGetItem per hundred keys whatever the mix.
 */
export async function contactData(
  ctx: TenantContext,
  contactIds: string[],
  sortKeys: string[],
  known: Map<string, Item> = new Map(),
): Promise<Map<string, ContactData>> {
  const ids = [...new Set(contactIds)];
  const keys: ItemKey[] = [];
  for (const id of ids) {
    const partition = contactKeys.partition(ctx.tenantId, id);
    if (!known.has(id)) keys.push({ PK: partition, SK: 'CONTACT' });
    for (const sk of sortKeys) keys.push({ PK: partition, SK: sk });
  }
  const found = keys.length ? await getItems(ctx, keys) : [];
  const result = new Map<string, ContactData>(
    ids.map((id) => {
      const item = known.get(id);
      return [id, { id, contact: item ? contactFromItem(item) : undefined, items: new Map() }];
    }),
  );
  const prefix = contactKeys.partition(ctx.tenantId, '');
  for (const item of found) {
    const data = result.get(String(item.PK).slice(prefix.length));
    if (!data) continue;
    if (item.SK === 'CONTACT') data.contact = contactFromItem(item);
    else data.items.set(String(item.SK), item);
  }
  return result;
}

/** Why a recipient was skipped; the last two are the sending gate's (shared/mail/gate.ts). */
export type Ineligibility =
  | 'no_email'
  | 'no_consent'
  | 'unsubscribed'
  | 'suppressed'
  | 'merged'
  | 'tenant_frozen'
  | 'tenant_unverified'
  | 'sender_unverified'
  /** The tenant's plan's emails for the month are used up (docs/subscriptions.md). */
  | 'quota_exceeded';

export interface EligibilityRules {
  /** Marketing mail needs consent for its topic; transactional mail only a deliverable address. */
  category: 'marketing' | 'transactional';
  topic: Pick<Topic, 'id' | 'defaultStatus'> | undefined;
}

/** The contact's own choice for a topic, when they made one. */
export function choiceOf(data: ContactData, topicId: string): SubscriptionStatus | undefined {
  const item = data.items.get(topicKeys.choiceSk(topicId));
  return item ? (item.status as SubscriptionStatus) : undefined;
}

/**
 * Whether a marketing email on `topic` may go to the contact (docs/marketing.md, Consent):
 * denied consent never; an explicit choice for the topic wins; otherwise granted consent and a
 * topic subscribed by default. Transactional mailings skip consent and topics. Suppressed
 * addresses (bounces, complaints) never receive either.
 */
export function ineligibility(
  data: ContactData,
  rules: EligibilityRules,
  suppressed: ReadonlySet<string>,
): Ineligibility | undefined {
  const contact = data.contact;
  if (!contact) return 'merged';
  if (!contact.email) return 'no_email';
  if (suppressed.has(contact.email.toLowerCase())) return 'suppressed';
  if (rules.category === 'transactional') return undefined;
  const consent = contact.marketingConsent?.status;
  if (consent === 'denied') return 'no_consent';
  if (!rules.topic) return consent === 'granted' ? undefined : 'no_consent';
  const choice = choiceOf(data, rules.topic.id);
  if (choice === 'unsubscribed') return 'unsubscribed';
  if (choice === 'subscribed') return undefined;
  if (consent !== 'granted') return 'no_consent';
  return rules.topic.defaultStatus === 'subscribed' ? undefined : 'unsubscribed';
}

/** The suppressed addresses among these contacts' emails (one BatchGetItem per hundred). */
export async function suppressedEmails(
  ctx: TenantContext,
  data: Iterable<ContactData>,
): Promise<Set<string>> {
  const emails = [...data].map((d) => d.contact?.email).filter((e): e is string => Boolean(e));
  if (emails.length === 0) return new Set();
  return new Set((await suppressedAmong(ctx, emails)).keys());
}
