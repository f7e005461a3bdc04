import { SubscriptionChanged } from '../../events/marketing.ts';
import { contactKeys } from '../contacts/keys.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, exists, hasVersion, notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  getItem,
  type Item,
  queryAll,
  stampRevision,
  type UnitOfWork,
  unitOfWork,
  withoutKeys,
} from '../platform/db/repository.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../platform/errors.ts';
import { topicKeys } from './keys.ts';
import { contactData, ineligibility, suppressedEmails } from './recipients.ts';
import type { Subscription, SubscriptionStatus, Topic, TopicCreate, TopicUpdate } from './schema.ts';

/**
 * Subscription topics: what a marketing email is about. A small set per tenant, read whole.
 * A contact's choice for a topic is an item in the contact's partition (`TOPIC#<topicId>`);
 * without one, the topic's default applies to contacts who granted marketing consent.
 */
const toTopic = (item: Item) => withoutKeys<Topic>(item);

export async function createTopic(ctx: TenantContext, input: TopicCreate): Promise<Topic> {
  const now = ctx.clock.now().toISOString();
  const topic: Topic = { ...input, archived: false, createdAt: now, updatedAt: now, version: 1 };
  await unitOfWork(ctx)
    .put(
      { ...topicKeys.topic(ctx.tenantId, topic.id), entity: 'MarketingTopic', ...topic },
      {
        condition: notExists,
        onConditionFailed: () => new ConflictError(`A topic with id ${topic.id} already exists.`),
      },
    )
    .commit();
  return topic;
}

export async function listTopics(ctx: TenantContext): Promise<Topic[]> {
  const items = await queryAll(ctx, {
    partition: topicKeys.all(ctx.tenantId),
    sort: { beginsWith: 'TOPIC#' },
  });
  return items.map(toTopic);
}

export async function findTopic(ctx: TenantContext, id: string): Promise<Topic | undefined> {
  const item = await getItem(ctx, topicKeys.topic(ctx.tenantId, id));
  return item ? toTopic(item) : undefined;
}

export async function getTopic(ctx: TenantContext, id: string): Promise<Topic> {
  const topic = await findTopic(ctx, id);
  if (!topic) throw new NotFoundError('Topic', id);
  return topic;
}

/** A topic a new campaign or newsletter may use; `path` names the field at fault. */
export async function usableTopic(ctx: TenantContext, id: string, path: string): Promise<Topic> {
  const topic = await findTopic(ctx, id);
  if (!topic) throw ValidationError.field(path, `There is no topic ${id}; create it at POST /v1/topics.`);
  if (topic.archived) throw ValidationError.field(path, `Topic ${id} is archived.`);
  return topic;
}

export async function updateTopic(
  ctx: TenantContext,
  id: string,
  input: TopicUpdate,
  ifMatch?: number | 'any',
): Promise<Topic> {
  const current = await getTopic(ctx, id);
  assertIfMatch(ifMatch, current);
  const next: Topic = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.defaultStatus !== undefined ? { defaultStatus: input.defaultStatus } : {}),
    ...(input.archived !== undefined ? { archived: input.archived } : {}),
  };
  if (input.description === null) delete next.description;
  else if (input.description !== undefined) next.description = input.description;
  if (!stampRevision(ctx, current, next)) return current;
  await unitOfWork(ctx)
    .update(topicKeys.topic(ctx.tenantId, id), {
      set: {
        name: next.name,
        description: next.description,
        defaultStatus: next.defaultStatus,
        archived: next.archived,
        updatedAt: next.updatedAt,
      },
      bumpVersion: true,
      condition: and(exists, hasVersion(current.version)),
      onConditionFailed: () => new PreconditionFailedError(),
    })
    .commit();
  return next;
}

/** Every topic with the contact's status: their choice, or what the default gives them. */
export async function subscriptionsOf(ctx: TenantContext, contactId: string): Promise<Subscription[]> {
  const topics = (await listTopics(ctx)).filter((t) => !t.archived);
  const data = (
    await contactData(
      ctx,
      [contactId],
      topics.map((t) => topicKeys.choiceSk(t.id)),
    )
  ).get(contactId)!;
  if (!data.contact) throw new NotFoundError('Contact', contactId);
  const suppressed = await suppressedEmails(ctx, [data]);
  return topics.map((topic) => {
    const choice = data.items.get(topicKeys.choiceSk(topic.id));
    const receives = !ineligibility(data, { category: 'marketing', topic }, suppressed);
    const consenting = data.contact?.marketingConsent?.status === 'granted';
    return {
      topicId: topic.id,
      topicName: topic.name,
      status: choice
        ? (choice.status as SubscriptionStatus)
        : consenting
          ? topic.defaultStatus
          : 'unsubscribed',
      receives,
      chosen: Boolean(choice),
      ...(choice ? { source: String(choice.source), at: String(choice.at) } : {}),
    };
  });
}

/** The contact's choice changed since it was read (another request recorded one): read again. */
export class ChoiceMoved extends Error {}

/**
 * Records the contact's choice for a topic in the unit of work, with its event. `replaces` makes
 * it conditional on the choice read (null: none was), so that two requests deciding from the
 * same read record it once.
 */
export function choiceInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  change: {
    contactId: string;
    topicId: string;
    status: SubscriptionStatus;
    source: string;
    mailingId?: string;
  },
  options: { replaces?: { at: string } | null } = {},
): void {
  const { replaces } = options;
  uow.put(
    {
      ...topicKeys.choice(ctx.tenantId, change.contactId, change.topicId),
      entity: 'TopicChoice',
      contactId: change.contactId,
      topicId: change.topicId,
      status: change.status,
      source: change.source,
      at: ctx.clock.now().toISOString(),
    },
    replaces === undefined
      ? {}
      : {
          condition: replaces === null ? notExists : (e) => `${e.name('at')} = ${e.value(replaces.at)}`,
          onConditionFailed: () => new ChoiceMoved(),
        },
  );
  addTimelineEntryInto(uow, ctx, change.contactId, {
    kind: 'campaign',
    title: `${change.status === 'subscribed' ? 'Subscribed to' : 'Unsubscribed from'} topic ${change.topicId}`,
    summary: `Source: ${change.source}.`,
  });
  uow.publish(SubscriptionChanged, change);
}

/** A member records a contact's choice (given on the phone, at an event...). */
export async function setSubscription(
  ctx: TenantContext,
  contactId: string,
  topicId: string,
  change: { status: SubscriptionStatus; source: string },
): Promise<Subscription> {
  await getTopic(ctx, topicId);
  const uow = unitOfWork(ctx);
  uow.check(
    contactKeys.contact(ctx.tenantId, contactId),
    exists,
    () => new NotFoundError('Contact', contactId),
  );
  choiceInto(uow, ctx, { contactId, topicId, ...change });
  await uow.commit();
  const subscription = (await subscriptionsOf(ctx, contactId)).find((s) => s.topicId === topicId);
  if (!subscription) throw new NotFoundError('Topic', topicId);
  return subscription;
}
