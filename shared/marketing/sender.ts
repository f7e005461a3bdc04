import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mailbox, sendEnvelopeOnce } from '../mail/sender.ts';
import type { TenantContext } from '../platform/context.ts';
import type { Condition } from '../platform/db/expressions.ts';
import { getItems, type Item, type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { mergeValuesFor, recipientLinks, renderMessage } from './content.ts';
import { topicKeys } from './keys.ts';
import { kindOf } from './mailing-kinds.ts';
import type { Counts, Mailing } from './mailing-types.ts';
import { findMailing, settleMailing } from './mailings.ts';
import type { SendBatch } from './planner.ts';
import { contactData, type Ineligibility, ineligibility, suppressedEmails } from './recipients.ts';
import { countInto, sendKey } from './sends.ts';
import { SEND_WORKERS, STALE_CLAIM_MS } from './settings.ts';
import { findTopic } from './topics.ts';

/**
 * The senders: consumers of the `mailing-sends` queue, at most SEND_WORKERS at once. Each paces
 * itself at rate / SEND_WORKERS, where the rate is the mailing's own maximum or the SES account's
 * (GetAccount's MaxSendRate), whichever is lower, so all senders together never exceed it.
 *
 * Exactly one email per recipient: the record is claimed (`queued` → `sending`, a conditional
 * write) before SES gets the email, and moves to `sent` with the SES message id after. A record
 * found `sending` was claimed by a sender that may or may not have reached SES: it is never sent
 * again. When its claim is older than a sender can run (STALE_CLAIM_MS) it is recorded `failed`
 * (interrupted), unless SES events meanwhile showed it was delivered, which repairs the record.
 */
/** Emails in flight at once in one sender (the pace, not this, sets the rate). */
const IN_FLIGHT = 16;
const THROTTLE_RETRIES = 4;

const ses = new SESv2Client({});
let account: { rate: number; readAt: number } | undefined;

/** The SES account's maximum send rate, read with GetAccount and kept five minutes. */
export async function accountSendRate(now = Date.now()): Promise<number> {
  if (account && now - account.readAt < 300_000) return account.rate;
  const result = await ses.send(new GetAccountCommand({}));
  const rate = result.SendQuota?.MaxSendRate;
  if (!rate || rate <= 0) throw new Error('SES GetAccount reported no maximum send rate.');
  account = { rate, readAt: now };
  return rate;
}

/** Starts at most one email per interval; `slower()` stretches the interval after throttling. */
class Pacer {
  private nextAt = 0;
  constructor(private intervalMs: number) {}

  async turn(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  slower(): void {
    this.intervalMs = Math.min(this.intervalMs * 2, 10_000);
  }
}

type Outcome =
  | { contactId: string; kind: 'sent'; messageId: string; at: string }
  | { contactId: string; kind: 'failed'; reason: string; at: string; claimedAt?: string }
  | { contactId: string; kind: 'skipped'; reason: Ineligibility; at: string };

function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.$metadata?.httpStatusCode === 429 ||
    ['TooManyRequestsException', 'LimitExceededException', 'Throttling', 'ThrottlingException'].includes(
      e.name ?? '',
    )
  );
}

/** SES answered, so it did not take the message; without an answer it may have. */
const answered = (error: unknown) =>
  typeof (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 'number';

/** Writes an outcome's record change and counts into the unit of work. */
function outcomeInto(uow: UnitOfWork, ctx: TenantContext, mailingId: string, outcome: Outcome): void {
  const key = sendKey(ctx, mailingId, outcome.contactId);
  const statusIs =
    (status: string): Condition =>
    (e) =>
      `${e.name('status')} = ${e.value(status)}`;
  const delta: Partial<Counts> = {};
  if (outcome.kind === 'sent') {
    uow.update(key, {
      set: { status: 'sent', messageId: outcome.messageId, sentAt: outcome.at },
      condition: statusIs('sending'),
    });
    delta.sent = 1;
  } else if (outcome.kind === 'failed') {
    uow.update(key, {
      set: { status: 'failed', reason: outcome.reason, failedAt: outcome.at },
      condition: outcome.claimedAt
        ? (e) => `${statusIs('sending')(e)} AND ${e.name('claimedAt')} = ${e.value(outcome.claimedAt)}`
        : statusIs('sending'),
    });
    delta.failed = 1;
  } else {
    uow.update(key, {
      set: { status: 'skipped', reason: outcome.reason, skippedAt: outcome.at },
      condition: statusIs('queued'),
    });
    delta.skipped = 1;
  }
  countInto(uow, ctx, mailingId, outcome.contactId, delta);
}

/**
 * Records an outcome as soon as it is known. An SES event may have got to the record first (locally
 * they arrive within milliseconds): the record then already says sent, and this write is dropped.
 */
async function recordOutcome(ctx: TenantContext, mailingId: string, outcome: Outcome): Promise<boolean> {
  const uow = unitOfWork(ctx);
  outcomeInto(uow, ctx, mailingId, outcome);
  try {
    await uow.commit();
    return true;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    return false;
  }
}

export interface BatchResult {
  sent: number;
  failed: number;
  skipped: number;
  /** Some recipients must be tried again later: the message goes back to the queue. */
  retry: boolean;
}

export interface SendOptions {
  /** The SES account's maximum send rate (emails per second). */
  accountRate: number;
  /** Milliseconds left before the function must return. */
  remainingMs?: () => number;
}

export async function sendBatch(
  ctx: TenantContext,
  batch: SendBatch,
  options: SendOptions,
): Promise<BatchResult> {
  const result: BatchResult = { sent: 0, failed: 0, skipped: 0, retry: false };
  const mailing = await findMailing(ctx, batch.mailingId, true);
  // Paused or cancelled: the records stay queued (a resume queues them again).
  if (mailing?.status !== 'sending') return result;
  const records = new Map(
    (
      await getItems(
        ctx,
        batch.contactIds.map((id) => sendKey(ctx, mailing.id, id)),
      )
    ).map((item) => [String(item.contactId), item]),
  );
  const waiting = batch.contactIds.filter((id) =>
    ['queued', 'sending'].includes(String(records.get(id)?.status)),
  );
  if (waiting.length === 0) {
    await settleMailing(ctx, mailing.id);
    return result;
  }
  const [tenant, topic, data] = await Promise.all([
    getTenant(ctx),
    mailing.topicId ? findTopic(ctx, mailing.topicId) : undefined,
    contactData(ctx, waiting, mailing.topicId ? [topicKeys.choiceSk(mailing.topicId)] : []),
  ]);
  const suppressed = await suppressedEmails(ctx, data.values());
  const rules = {
    category: mailing.category,
    topic:
      topic ??
      (mailing.topicId ? { id: mailing.topicId, defaultStatus: 'unsubscribed' as const } : undefined),
  };
  const rate = Math.min(mailing.maxSendRate ?? Number.POSITIVE_INFINITY, options.accountRate);
  const pacer = new Pacer((1000 * SEND_WORKERS) / rate);
  const kind = kindOf(mailing.kind);
  const settle = async (outcome: Outcome) => {
    if (await recordOutcome(ctx, mailing.id, outcome)) result[outcome.kind]++;
  };

  const sendOne = async (contactId: string): Promise<void> => {
    const record = records.get(contactId)!;
    const now = () => ctx.clock.now().toISOString();
    if (record.status === 'sending') {
      const claimedAt = String(record.claimedAt ?? '');
      if (ctx.clock.now().getTime() - Date.parse(claimedAt) > STALE_CLAIM_MS)
        await settle({ contactId, kind: 'failed', reason: 'interrupted', at: now(), claimedAt });
      else result.retry = true;
      return;
    }
    const recipient = data.get(contactId)!;
    const refused = ineligibility(recipient, rules, suppressed);
    if (refused) {
      await settle({ contactId, kind: 'skipped', reason: refused, at: now() });
      return;
    }
    if (!(await claim(ctx, mailing, record))) return;
    try {
      const links = await recipientLinks(ctx.tenantId, contactId, mailing.id, mailing.topicId);
      const extra = kind.mergeValues ? await kind.mergeValues(ctx, mailing, recipient) : {};
      const message = renderMessage(
        mailing.content,
        mergeValuesFor(recipient.contact!, tenant, links, extra),
        {
          tenant,
          ...(topic ? { topicName: topic.name } : {}),
          links,
        },
      );
      const envelope = {
        from: { name: mailing.sender.name, email: mailing.sender.email },
        ...(mailing.sender.replyTo ? { replyTo: [mailing.sender.replyTo] } : {}),
        to: [
          mailbox(
            `${recipient.contact!.firstName} ${recipient.contact!.lastName}`.trim(),
            recipient.contact!.email!,
          ),
        ],
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(mailing.category === 'marketing' ? { headers: message.headers } : {}),
        tags: {
          tenantId: ctx.tenantId,
          category: mailing.category,
          kind: mailing.kind,
          mailingId: mailing.id,
          contactId,
        },
      };
      for (let attempt = 0; ; attempt++) {
        await pacer.turn();
        try {
          const messageId = await sendEnvelopeOnce(envelope);
          await settle({ contactId, kind: 'sent', messageId, at: now() });
          return;
        } catch (error) {
          if (isThrottling(error) && attempt < THROTTLE_RETRIES) {
            pacer.slower();
            continue;
          }
          throw error;
        }
      }
    } catch (error) {
      if (isThrottling(error)) {
        await release(ctx, mailing, contactId);
        result.retry = true;
      } else if (answered(error)) {
        await settle({
          contactId,
          kind: 'failed',
          reason: `SES refused the email (${(error as Error).name}).`,
          at: now(),
        });
      } else {
        // No answer: SES may have taken it. The claim stays; SES events or staleness settle it.
        ctx.logger.warn('send interrupted', { contactId, error: String(error) });
        result.retry = true;
      }
    }
  };

  let next = 0;
  const workers = Array.from({ length: Math.min(IN_FLIGHT, waiting.length) }, async () => {
    while (next < waiting.length) {
      if (options.remainingMs && options.remainingMs() < 15_000) {
        result.retry = true;
        return;
      }
      await sendOne(waiting[next++]!);
    }
  });
  await Promise.all(workers);
  await settleMailing(ctx, mailing.id);
  return result;
}

/** `queued` → `sending`: whoever wins this write sends the email. */
async function claim(ctx: TenantContext, mailing: Mailing, record: Item): Promise<boolean> {
  try {
    await unitOfWork(ctx)
      .update(sendKey(ctx, mailing.id, String(record.contactId)), {
        set: { status: 'sending', claimedAt: ctx.clock.now().toISOString() },
        condition: (e) => `${e.name('status')} = ${e.value('queued')}`,
        onConditionFailed: () => new ClaimLost(),
      })
      .commit();
    return true;
  } catch (error) {
    if (error instanceof ClaimLost) return false;
    throw error;
  }
}

class ClaimLost extends Error {}

/** Throttled: SES did not take the email, so the recipient waits for the next delivery of the batch. */
async function release(ctx: TenantContext, mailing: Mailing, contactId: string): Promise<void> {
  await unitOfWork(ctx)
    .update(sendKey(ctx, mailing.id, contactId), {
      set: { status: 'queued', claimedAt: undefined },
      condition: (e) => `${e.name('status')} = ${e.value('sending')}`,
    })
    .commit()
    .catch(() => undefined);
}
