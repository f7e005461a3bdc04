import { contactKeys } from '../contacts/keys.ts';
import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/**
 * Keys of the email-marketing module (docs/data-model.md, Email marketing).
 *
 * - Per-contact marketing items live in the contact's shared partition under this module's
 *   prefixes: `TOPIC#<topicId>` (the contact's choice for a topic) and `LIST#<listId>` (list
 *   membership, indexed by list on GSI1), so privacy export, erasure and merges find them.
 * - A mailing's send records are sharded over SEND_SHARDS partitions by contact, each with its own
 *   counter items, so 500 sends a second never meet in one partition (docs/marketing.md).
 */
export const SEND_SHARDS = 16;
/**
 * Counter items per send shard and writer: concurrent transactions rarely touch the same one, and
 * a mailing's 16 x 3 x 2 = 96 counters are read in one BatchGetItem (at most 100 keys).
 */
export const COUNTER_SLOTS = 3;
/**
 * Who moves a shard's counters, each on its own COUNTER_SLOTS items: the sender (and the planner
 * before it) records outcomes while the feedback loop records SES's deliveries for the same
 * mailing, and on shared counter items each would cancel the other's transactions under load.
 */
export const COUNTER_WRITERS = ['sender', 'feedback'] as const;
export type CounterWriter = (typeof COUNTER_WRITERS)[number];

const choiceSk = (topicId: string) => `TOPIC#${topicId}`;
const memberSk = (listId: string) => `LIST#${listId}`;

export const topicKeys = {
  all: (t: TenantId) => tenantKey(t, 'MARKETING-TOPICS'),
  topic: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'MARKETING-TOPICS'), SK: `TOPIC#${id}` }),
  /** The contact's own choice for a topic, in the contact's partition. */
  choice: (t: TenantId, contactId: string, topicId: string) => ({
    PK: contactKeys.partition(t, contactId),
    SK: choiceSk(topicId),
  }),
  choiceSk,
};

export const listKeys = {
  list: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'LIST', id), SK: 'LIST' }),
  /** GSI1: every list by name. */
  all: (t: TenantId) => tenantKey(t, 'LISTS'),
  member: (t: TenantId, listId: string, contactId: string) => ({
    PK: contactKeys.partition(t, contactId),
    SK: memberSk(listId),
  }),
  memberSk,
  /** GSI1: a list's members. */
  members: (t: TenantId, listId: string) => tenantKey(t, 'LIST-MEMBERS', listId),
};

export const segmentKeys = {
  segment: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'SEGMENT', id), SK: 'SEGMENT' }),
  all: (t: TenantId) => tenantKey(t, 'SEGMENTS'),
};

export const templateKeys = {
  template: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'TEMPLATE', id), SK: 'TEMPLATE' }),
  all: (t: TenantId) => tenantKey(t, 'TEMPLATES'),
};

export const campaignKeys = {
  campaign: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'CAMPAIGN', id), SK: 'CAMPAIGN' }),
  /** GSI1: every campaign, newest first. */
  all: (t: TenantId) => tenantKey(t, 'CAMPAIGNS'),
  /** GSI2: campaigns in a status. */
  inStatus: (t: TenantId, status: string) => tenantKey(t, 'CAMPAIGNS-IN', status),
  /** GSI3: the editions of a newsletter. */
  editions: (t: TenantId, newsletterId: string) => tenantKey(t, 'NEWSLETTER-EDITIONS', newsletterId),
};

export const newsletterKeys = {
  newsletter: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'NEWSLETTER', id), SK: 'NEWSLETTER' }),
  partition: (t: TenantId, id: string) => tenantKey(t, 'NEWSLETTER', id),
  run: (t: TenantId, id: string, occurrence: string) => ({
    PK: tenantKey(t, 'NEWSLETTER', id),
    SK: `RUN#${occurrence}`,
  }),
  all: (t: TenantId) => tenantKey(t, 'NEWSLETTERS'),
};

/** Stable shard of a contact's send record: the same contact always lands in the same shard. */
export function shardOf(contactId: string): number {
  let hash = 0;
  for (let i = 0; i < contactId.length; i++) hash = (hash * 31 + contactId.charCodeAt(i)) | 0;
  return Math.abs(hash) % SEND_SHARDS;
}

export const mailingKeys = {
  mailing: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'MAILING', id), SK: 'MAILING' }),
  /** One alert per admin and pause. */
  alert: (t: TenantId, id: string, pausedAt: string, memberId: string) => ({
    PK: tenantKey(t, 'MAILING', id),
    SK: `ALERT#${pausedAt}#${memberId}`,
  }),
  shard: (t: TenantId, id: string, shard: number) => tenantKey(t, 'MAILING', id, 'SENDS', shard),
  send: (t: TenantId, id: string, contactId: string) => ({
    PK: tenantKey(t, 'MAILING', id, 'SENDS', shardOf(contactId)),
    SK: `SEND#${contactId}`,
  }),
  counter: (t: TenantId, id: string, shard: number, slot: number) => ({
    PK: tenantKey(t, 'MAILING', id, 'SENDS', shard),
    SK: `STATS#${slot}`,
  }),
};

/** Soft bounces of an address across every mail of the tenant (three suppress it). */
export const softBounceKeys = {
  counter: (t: TenantId, email: string) => ({
    PK: tenantKey(t, 'SOFT-BOUNCES', email.toLowerCase()),
    SK: 'COUNT',
  }),
  feedback: (t: TenantId, email: string, feedbackId: string) => ({
    PK: tenantKey(t, 'SOFT-BOUNCES', email.toLowerCase()),
    SK: `FEEDBACK#${feedbackId}`,
  }),
};
