import type { SesEventDetail } from '../mail/ses-events.ts';
import { suppress, suppressionOf } from '../mail/suppression.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import { isId } from '../platform/ids.ts';
import { shardOf, softBounceKeys } from './keys.ts';
import type { CountName } from './mailing-types.ts';
import { settleMailing } from './mailings.ts';
import { countInto, sendKey } from './sends.ts';

/**
 * The feedback loop: SES publishes an event per email and recipient (Send, Delivery, Bounce,
 * Complaint, Reject, Open, Click) to EventBridge's default bus; this module reads the tags the
 * sender put on the email (tenant, mailing, contact) and
 * - moves the recipient's send record and the mailing's counters (each milestone once, so a
 *   redelivered event counts nothing twice);
 * - suppresses the address for the tenant: at once for a hard bounce or a complaint, after
 *   SOFT_BOUNCE_LIMIT soft bounces within SOFT_BOUNCE_DAYS (any mail of the tenant, transactional
 *   included);
 * - pauses the mailing when its complaint or bounce rate passes the limit.
 */
export const SOFT_BOUNCE_LIMIT = 3;
export const SOFT_BOUNCE_DAYS = 30;

type Milestone =
  | 'unsubscribed'
  | 'delivered'
  | 'bounced'
  | 'soft_bounced'
  | 'complained'
  | 'rejected'
  | 'opened'
  | 'clicked';

const MILESTONES: Record<Milestone, { attribute: string; count: CountName }> = {
  delivered: { attribute: 'deliveredAt', count: 'delivered' },
  unsubscribed: { attribute: 'unsubscribedAt', count: 'unsubscribed' },
  bounced: { attribute: 'bouncedAt', count: 'bounced' },
  soft_bounced: { attribute: 'softBouncedAt', count: 'softBounced' },
  complained: { attribute: 'complainedAt', count: 'complained' },
  rejected: { attribute: 'rejectedAt', count: 'rejected' },
  opened: { attribute: 'openedAt', count: 'opened' },
  clicked: { attribute: 'clickedAt', count: 'clicked' },
};

/** `"Name" <a@b.c>` or `a@b.c` → `a@b.c`, lower case. */
export function addressOf(recipient: string): string {
  return (/<([^>]+)>/.exec(recipient)?.[1] ?? recipient).trim().toLowerCase();
}

export interface FeedbackSource {
  tenantId: string;
  mailingId?: string;
  contactId?: string;
}

/** Which tenant (and mailing and recipient) an SES event is about, from the email's tags. */
export function sourceOf(detail: SesEventDetail): FeedbackSource | undefined {
  const tag = (name: string) => detail.mail.tags[name]?.[0];
  const tenantId = tag('tenantId');
  if (!tenantId || !isId(tenantId)) return undefined;
  const mailingId = tag('mailingId');
  const contactId = tag('contactId');
  return { tenantId, ...(mailingId && contactId ? { mailingId, contactId } : {}) };
}

/**
 * Records a milestone on the recipient's send record (`deliveredAt`, `bouncedAt`...) and counts
 * it, once: the write is conditioned on the milestone being absent. Every event implies SES
 * accepted the email: a record still `sending` gets the message id (its sender, or the one that
 * finds its claim stale, records it as sent); a record `failed` as interrupted becomes sent here.
 * The common case (sending or sent) needs no read.
 */
export async function recordMilestone(
  ctx: TenantContext,
  source: Required<FeedbackSource>,
  milestone: Milestone,
  messageId: string | undefined,
  at: string,
): Promise<boolean> {
  const { attribute, count } = MILESTONES[milestone];
  const key = sendKey(ctx, source.mailingId, source.contactId);
  const attempt = async (interrupted: boolean) => {
    const uow = unitOfWork(ctx);
    const id = messageId ? { messageId } : {};
    uow.update(key, {
      set: interrupted
        ? { [attribute]: at, status: 'sent', sentAt: at, reason: undefined, ...id }
        : { [attribute]: at },
      ...(messageId && !interrupted ? { setIfAbsent: { messageId } } : {}),
      condition: (e) =>
        `attribute_exists(${e.name('PK')}) AND attribute_not_exists(${e.name(attribute)}) AND ${
          interrupted
            ? `${e.name('status')} = ${e.value('failed')}`
            : `${e.name('status')} <> ${e.value('failed')}`
        }`,
      onConditionFailed: () => new RecordMoved(),
    });
    countInto(
      uow,
      ctx,
      source.mailingId,
      source.contactId,
      interrupted ? { [count]: 1, sent: 1, failed: -1 } : { [count]: 1 },
      'feedback',
    );
    await uow.commit();
  };
  for (let round = 0; round < 3; round++) {
    try {
      await attempt(false);
      return true;
    } catch (error) {
      if (!(error instanceof RecordMoved)) throw error;
    }
    const record = await getItem(ctx, key, { consistent: true });
    if (!record || record[attribute]) return false;
    if (record.status !== 'failed') continue;
    try {
      await attempt(true);
      return true;
    } catch (error) {
      if (!(error instanceof RecordMoved)) throw error;
    }
  }
  throw new Error(`The send record of ${source.contactId} kept changing; the event will be retried.`);
}

class RecordMoved extends Error {}

/**
 * Deliveries recorded in one transaction: each its send record, with one counter per shard. Not
 * more: the sender records its sends on the same records at about the same time, and a larger
 * transaction holds them longer against it.
 */
const DELIVERIES_PER_WRITE = 25;

/**
 * The Delivery events of one mailing that arrived together (SES sends one per email; the queue
 * hands them over in batches): their send records and the mailing's counters in one transaction
 * per DELIVERIES_PER_WRITE, instead of one transaction each. Each record keeps the condition of
 * `recordMilestone` (once, and not on a record `failed` as interrupted); when one does not hold
 * (a redelivered event, an interrupted record), the transaction wrote nothing, and those
 * deliveries go one by one through `recordMilestone`, which knows each case.
 */
export async function recordDeliveries(
  ctx: TenantContext,
  mailingId: string,
  deliveries: ReadonlyArray<{ contactId: string; messageId: string; at: string }>,
): Promise<number> {
  const { attribute, count } = MILESTONES.delivered;
  // One write per record in a transaction: a delivery reported twice in the batch counts once.
  const unique = [...new Map(deliveries.map((d) => [d.contactId, d])).values()];
  let counted = 0;
  for (let start = 0; start < unique.length; start += DELIVERIES_PER_WRITE) {
    const chunk = unique.slice(start, start + DELIVERIES_PER_WRITE);
    const uow = unitOfWork(ctx);
    const perShard = new Map<number, number>();
    for (const { contactId, messageId, at } of chunk) {
      uow.update(sendKey(ctx, mailingId, contactId), {
        set: { [attribute]: at },
        setIfAbsent: { messageId },
        condition: (e) =>
          `attribute_exists(${e.name('PK')}) AND attribute_not_exists(${e.name(attribute)}) AND ${e.name('status')} <> ${e.value('failed')}`,
        onConditionFailed: () => new RecordMoved(),
      });
      const shard = shardOf(contactId);
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    }
    for (const [shard, n] of perShard) countInto(uow, ctx, mailingId, shard, { [count]: n }, 'feedback');
    try {
      await uow.commit();
      counted += chunk.length;
    } catch (error) {
      if (!(error instanceof RecordMoved)) throw error;
      for (const { contactId, messageId, at } of chunk)
        if (
          await recordMilestone(
            ctx,
            { tenantId: ctx.tenantId, mailingId, contactId },
            'delivered',
            messageId,
            at,
          )
        )
          counted++;
    }
  }
  return counted;
}

/** Counts a soft bounce of `email` once per SES feedback; the third within the window suppresses. */
export async function countSoftBounce(
  ctx: TenantContext,
  email: string,
  feedbackId: string,
): Promise<number> {
  const now = ctx.clock.now();
  const expiresAt = Math.floor(now.getTime() / 1000) + SOFT_BOUNCE_DAYS * 86_400;
  const counter = await getItem(ctx, softBounceKeys.counter(ctx.tenantId, email), { consistent: true });
  const uow = unitOfWork(ctx);
  uow.put(
    {
      ...softBounceKeys.feedback(ctx.tenantId, email, feedbackId),
      entity: 'SoftBounce',
      at: now.toISOString(),
      expiresAt,
    },
    { condition: notExists, onConditionFailed: () => new RecordMoved() },
  );
  if (counter) uow.update(softBounceKeys.counter(ctx.tenantId, email), { add: { count: 1 } });
  else
    uow.put({
      ...softBounceKeys.counter(ctx.tenantId, email),
      entity: 'SoftBounceCount',
      email,
      count: 1,
      since: now.toISOString(),
      expiresAt,
    });
  try {
    await uow.commit();
  } catch (error) {
    if (error instanceof RecordMoved) return Number(counter?.count ?? 0);
    throw error;
  }
  const count = Number(counter?.count ?? 0) + 1;
  if (count >= SOFT_BOUNCE_LIMIT && !(await suppressionOf(ctx, email)))
    await suppress(
      ctx,
      email,
      'soft_bounces',
      `${count} soft bounces since ${String(counter?.since ?? now.toISOString())}.`,
    );
  return count;
}

export async function handleSesEvent(
  ctx: TenantContext,
  source: FeedbackSource,
  detail: SesEventDetail,
): Promise<void> {
  const tracked = source.mailingId && source.contactId ? (source as Required<FeedbackSource>) : undefined;
  const messageId = detail.mail.messageId;
  const milestone = (m: Milestone, at?: string) =>
    tracked
      ? recordMilestone(ctx, tracked, m, messageId, at ?? detail.mail.timestamp)
      : Promise.resolve(false);
  switch (detail.eventType) {
    case 'Send':
      // The sender records each send itself. If it stopped between SES and its record, the
      // Delivery, Bounce or Reject event that always follows repairs the record.
      return;
    case 'Delivery':
      if (tracked) await milestone('delivered', detail.delivery?.timestamp);
      return;
    case 'Reject':
      await milestone('rejected');
      return;
    case 'Open':
      await milestone('opened', detail.open?.timestamp);
      return;
    case 'Click':
      await milestone('clicked', detail.click?.timestamp);
      return;
    case 'Bounce': {
      const bounce = detail.bounce;
      if (!bounce) return;
      const permanent = bounce.bounceType === 'Permanent';
      for (const recipient of bounce.bouncedRecipients) {
        const email = addressOf(recipient.emailAddress);
        if (permanent)
          await suppress(ctx, email, 'hard_bounce', recipient.diagnosticCode ?? bounce.bounceSubType);
        else await countSoftBounce(ctx, email, bounce.feedbackId);
      }
      const counted = await milestone(permanent ? 'bounced' : 'soft_bounced', bounce.timestamp);
      if (counted && permanent && tracked) await settleMailing(ctx, tracked.mailingId);
      return;
    }
    case 'Complaint': {
      const complaint = detail.complaint;
      if (!complaint) return;
      for (const recipient of complaint.complainedRecipients)
        await suppress(
          ctx,
          addressOf(recipient.emailAddress),
          'complaint',
          'The recipient reported the email as spam.',
        );
      const counted = await milestone('complained', complaint.timestamp);
      if (counted && tracked) await settleMailing(ctx, tracked.mailingId);
      return;
    }
    default:
      ctx.logger.info('SES event not recorded', { eventType: detail.eventType });
  }
}
