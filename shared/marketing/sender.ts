import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { selfServiceLinkFor } from '../contacts/self-service-link.ts';
import { sendingRefusal, sesTenantOf } from '../mail/gate.ts';
import { type Envelope, isTransientSesError, mailbox, sendEnvelopeOnce } from '../platform/aws/ses.ts';
import type { TenantContext } from '../platform/context.ts';
import { isTransientCancellation } from '../platform/db/contention.ts';
import type { Condition } from '../platform/db/expressions.ts';
import { getItems, type Item, type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import { translator } from '../platform/i18n/translator.ts';
import { getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { contentUses, mergeValuesFor } from './content.ts';
import { topicKeys } from './keys.ts';
import { kindOf, type MailingKind } from './mailing-kinds.ts';
import type { Counts, Mailing } from './mailing-types.ts';
import { findMailing, settleMailing } from './mailings.ts';
import { recipientLinks, renderMessage } from './message.tsx';
import {
  type ContactData,
  contactData,
  type Ineligibility,
  ineligibility,
  suppressedEmails,
} from './recipients.ts';
import type { Topic } from './schema.ts';
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
/** Recipients claimed in one transaction: a crash leaves at most these uncertain per group. */
const CLAIM_GROUP = 10;
/** Groups worked on at once, so claims and records overlap with the paced sends. */
const GROUPS_IN_FLIGHT = 3;
/** Outcomes recorded per transaction (with one counter update). */
const RECORD_GROUP = 25;
const TRANSIENT_RETRIES = 4;

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

/**
 * One email per interval, counted from when the sender started: the time spent reading what the
 * emails need is made up by sending the first ones without waiting (at most a second's worth), so
 * a sender's rate over its run is the rate it was given. `slower()` doubles the interval after a
 * throttling answer.
 */
class Pacer {
  private nextAt: number;
  constructor(
    private intervalMs: number,
    startedAt: number,
  ) {
    this.nextAt = startedAt;
  }

  async turn(): Promise<void> {
    const now = Date.now();
    const at = Math.max(this.nextAt, now - 1000);
    this.nextAt = at + this.intervalMs;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  slower(): void {
    this.intervalMs = Math.min(this.intervalMs * 2, 10_000);
    this.nextAt = Math.max(this.nextAt, Date.now() + this.intervalMs);
  }
}

/**
 * Looks at the mailing at most once a second while a sender works through a long delivery: it
 * stops when the mailing was paused (by a member, or by its own bounce or complaint rate, which
 * this look also checks) or cancelled.
 */
class Watch {
  private lastAt = Date.now();
  private looking: Promise<boolean> | undefined;
  private stopped = false;
  constructor(
    private readonly ctx: TenantContext,
    private readonly mailingId: string,
  ) {}

  async stop(): Promise<boolean> {
    if (this.stopped || Date.now() - this.lastAt < 1000) return this.stopped;
    this.looking ??= settleMailing(this.ctx, this.mailingId).then((status) => {
      this.lastAt = Date.now();
      this.looking = undefined;
      this.stopped = status !== undefined && status !== 'sending';
      return this.stopped;
    });
    return this.looking;
  }
}

type Outcome =
  | { contactId: string; kind: 'sent'; messageId: string; at: string; claimedAt?: string }
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

/** Writes an outcome's record change into the unit of work; returns what it adds to the counts. */
function outcomeInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  mailingId: string,
  outcome: Outcome,
): Partial<Counts> {
  const key = sendKey(ctx, mailingId, outcome.contactId);
  const statusIs =
    (status: string): Condition =>
    (e) =>
      `${e.name('status')} = ${e.value(status)}`;
  const delta: Partial<Counts> = {};
  if (outcome.kind === 'sent') {
    uow.update(key, {
      set: { status: 'sent', messageId: outcome.messageId, sentAt: outcome.at },
      condition: outcome.claimedAt
        ? (e) => `${statusIs('sending')(e)} AND ${e.name('claimedAt')} = ${e.value(outcome.claimedAt)}`
        : statusIs('sending'),
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
  return delta;
}

/** Rounds of the commit's own retries a group of outcomes gets before it is written one by one. */
const RECORD_ROUNDS = 4;
/** Rounds a single outcome gets: by then each round's commit has itself retried with backoff. */
const LONE_ROUNDS = 12;

/**
 * Records outcomes in transactions of up to RECORD_GROUP records and one counter update. If one
 * record moved meanwhile (an SES event recorded it first), each outcome of the group is recorded
 * alone and those that no longer apply are dropped. A write that fails does not stop the groups
 * after it, and never reaches the send that happened to fill the group (it would take a recorded
 * email for a refused one): `close` throws it once everything else is written.
 */
class Recorder {
  private pending: Outcome[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly ctx: TenantContext,
    private readonly mailingId: string,
    private readonly result: BatchResult,
  ) {}

  add(outcome: Outcome): Promise<void> {
    this.pending.push(outcome);
    return this.pending.length >= RECORD_GROUP ? this.flush() : Promise.resolve();
  }

  flush(): Promise<void> {
    const group = this.pending.splice(0);
    if (group.length)
      this.writing = this.writing
        .then(() => this.write(group))
        .catch((error: unknown) => {
          this.failure ??= { error };
        });
    return this.writing;
  }

  /** Writes what is pending and waits for every write; throws the first one that failed. */
  async close(): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure.error;
  }

  private async write(group: Outcome[], round = 1): Promise<void> {
    const uow = unitOfWork(this.ctx);
    const total: Partial<Counts> = {};
    for (const outcome of group) {
      const delta = outcomeInto(uow, this.ctx, this.mailingId, outcome);
      for (const [name, value] of Object.entries(delta) as Array<[keyof Counts, number]>)
        total[name] = (total[name] ?? 0) + value;
    }
    countInto(uow, this.ctx, this.mailingId, group[0]!.contactId, total, 'sender');
    try {
      await uow.commit();
      for (const outcome of group) this.result[outcome.kind]++;
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Cancelled only by other transactions on the same records (the feedback loop recording
      // deliveries at that moment) after the commit's own retries: this write is the only record
      // of what went out, and a record left claimed holds its mailing for STALE_CLAIM_MS, so it
      // is tried again rather than dropped.
      if (isTransientCancellation(error)) {
        // A lone outcome is never dropped for being busy: after LONE_ROUNDS it throws, and the
        // batch's failure is logged and its message redelivered rather than a sent email lost.
        if (round < (group.length === 1 ? LONE_ROUNDS : RECORD_ROUNDS)) return this.write(group, round + 1);
        if (group.length === 1) throw error;
      } else if (group.length === 1) return; // its condition failed: the record moved on, nothing to record
    }
    for (const outcome of group) await this.write([outcome]);
  }
}

export interface BatchResult {
  sent: number;
  failed: number;
  skipped: number;
  /** Recipients to try again later (throttled, claimed by a sender that may still run, uncertain). */
  retry: string[];
  /** Recipients not started before the function ran out of time. */
  unstarted: string[];
}

export interface SendOptions {
  /** The SES account's maximum send rate (emails per second). */
  accountRate: number;
  /** Milliseconds left before the function must return. */
  remainingMs?: () => number;
}

/** What one sender needs to render and send to the recipients of one mailing. */
interface Sending {
  ctx: TenantContext;
  mailing: Mailing;
  tenant: Tenant;
  topic: Topic | undefined;
  kind: MailingKind;
}

async function envelopeFor(s: Sending, recipient: ContactData): Promise<Envelope> {
  const { ctx, mailing, tenant, topic } = s;
  const contact = recipient.contact!;
  const i18n = await translator(contact.locale, tenant.locale);
  const links = await recipientLinks(tenant, contact.id, mailing.id, mailing.topicId);
  const kindValues = s.kind.mergeValues
    ? await s.kind.mergeValues(ctx, mailing, recipient, { tenant, i18n })
    : {};
  const content = (await s.kind.contentFor?.(mailing, i18n)) ?? mailing.content;
  const extra = contentUses(content, 'selfServiceLink')
    ? { ...kindValues, selfServiceLink: (await selfServiceLinkFor(tenant, contact.id, ctx.clock.now())).url }
    : kindValues;
  const message = renderMessage(content, mergeValuesFor(contact, tenant, links, extra), {
    tenant,
    ...(topic ? { topicName: topic.name } : {}),
    links,
    transactional: mailing.category === 'transactional',
    i18n,
  });
  return {
    from: { name: mailing.sender.name, email: mailing.sender.email },
    ...(mailing.sender.replyTo ? { replyTo: [mailing.sender.replyTo] } : {}),
    to: [mailbox(`${contact.firstName} ${contact.lastName}`.trim(), contact.email!)],
    subject: message.subject,
    text: message.text,
    html: message.html,
    ...(Object.keys(message.headers).length ? { headers: message.headers } : {}),
    tags: {
      tenantId: ctx.tenantId,
      category: mailing.category,
      kind: mailing.kind,
      mailingId: mailing.id,
      contactId: contact.id,
    },
    sesTenant: sesTenantOf(ctx),
  };
}

/**
 * Sends to the recipients of one mailing (the batches of one SQS delivery, together): one pace,
 * one read of what every email needs, and one look at the mailing's counters at the end.
 */
export async function sendBatch(
  ctx: TenantContext,
  batch: { mailingId: string; contactIds: string[] },
  options: SendOptions,
): Promise<BatchResult> {
  const result: BatchResult = { sent: 0, failed: 0, skipped: 0, retry: [], unstarted: [] };
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
  const waiting = [...new Set(batch.contactIds)].filter((id) =>
    ['queued', 'sending'].includes(String(records.get(id)?.status)),
  );
  if (waiting.length) await sendTo(ctx, mailing, waiting, records, options, result);
  await settleMailing(ctx, mailing.id);
  return result;
}

async function sendTo(
  ctx: TenantContext,
  mailing: Mailing,
  waiting: string[],
  records: Map<string, Item>,
  options: SendOptions,
  result: BatchResult,
): Promise<void> {
  const startedAt = Date.now();
  const [tenant, topic, data, refusal] = await Promise.all([
    getTenant(ctx),
    mailing.topicId ? findTopic(ctx, mailing.topicId) : undefined,
    contactData(ctx, waiting, mailing.topicId ? [topicKeys.choiceSk(mailing.topicId)] : []),
    // Once per batch: a sender deleted or an unverified tenant skips every recipient, recorded.
    sendingRefusal(ctx, mailing.sender.email, mailing.category),
  ]);
  const sending: Sending = { ctx, mailing, tenant, topic, kind: kindOf(mailing.kind) };
  const suppressed = await suppressedEmails(ctx, data.values());
  const rules = {
    category: mailing.category,
    topic:
      topic ??
      (mailing.topicId ? { id: mailing.topicId, defaultStatus: 'unsubscribed' as const } : undefined),
  };
  const rate = Math.min(mailing.maxSendRate ?? Number.POSITIVE_INFINITY, options.accountRate);
  const pacer = new Pacer((1000 * SEND_WORKERS) / rate, startedAt);
  const watch = new Watch(ctx, mailing.id);
  const recorder = new Recorder(ctx, mailing.id, result);
  const now = () => ctx.clock.now().toISOString();

  /** A claim found on a record: its sender may still run (retry later) or died (settle it). */
  const claimed = async (record: Item) => {
    const contactId = String(record.contactId);
    const claimedAt = String(record.claimedAt ?? '');
    if (ctx.clock.now().getTime() - Date.parse(claimedAt) <= STALE_CLAIM_MS) {
      result.retry.push(contactId);
      return;
    }
    // SES events that reached the record show the email went out; otherwise nobody knows.
    await recorder.add(
      record.messageId
        ? { contactId, kind: 'sent', messageId: String(record.messageId), at: now(), claimedAt }
        : { contactId, kind: 'failed', reason: 'interrupted', at: now(), claimedAt },
    );
  };

  const send = async (recipient: ContactData): Promise<void> => {
    const contactId = recipient.id;
    try {
      const envelope = await envelopeFor(sending, recipient);
      for (let attempt = 0; ; attempt++) {
        await pacer.turn();
        try {
          const messageId = await sendEnvelopeOnce(envelope);
          await recorder.add({ contactId, kind: 'sent', messageId, at: now() });
          return;
        } catch (error) {
          if (!isTransientSesError(error) || attempt >= TRANSIENT_RETRIES) throw error;
          if (isThrottling(error)) pacer.slower();
        }
      }
    } catch (error) {
      if (isTransientSesError(error)) {
        await release(ctx, mailing, contactId);
        result.retry.push(contactId);
      } else if (answered(error)) {
        await recorder.add({
          contactId,
          kind: 'failed',
          reason: `SES refused the email (${(error as Error).name}).`,
          at: now(),
        });
      } else {
        // No answer: SES may have taken it. The claim stays; SES events or staleness settle it.
        ctx.logger.warn('send interrupted', { contactId, error: String(error) });
        result.retry.push(contactId);
      }
    }
  };

  /** One group: skips, claims in one transaction, then the sends, each at its turn. */
  const group = async (ids: string[]): Promise<void> => {
    const toClaim: Item[] = [];
    for (const id of ids) {
      const record = records.get(id)!;
      if (record.status === 'sending') await claimed(record);
      else {
        const refused = refusal ?? ineligibility(data.get(id)!, rules, suppressed);
        if (refused) await recorder.add({ contactId: id, kind: 'skipped', reason: refused, at: now() });
        else toClaim.push(record);
      }
    }
    const won = await claim(ctx, mailing, toClaim);
    await Promise.all(won.map((id) => send(data.get(id)!)));
  };

  const groups: string[][] = [];
  for (let i = 0; i < waiting.length; i += CLAIM_GROUP) groups.push(waiting.slice(i, i + CLAIM_GROUP));
  let next = 0;
  const lanes = Array.from({ length: Math.min(GROUPS_IN_FLIGHT, groups.length) }, async () => {
    while (next < groups.length) {
      // Paused or cancelled meanwhile: the rest stay queued (a resume queues them again).
      if (await watch.stop()) return;
      if (next >= groups.length) return;
      if (options.remainingMs && options.remainingMs() < 15_000) {
        result.unstarted.push(...groups.slice(next).flat());
        next = groups.length;
        return;
      }
      await group(groups[next++]!);
    }
  });
  await Promise.all(lanes);
  await recorder.close();
}

/**
 * `queued` → `sending` for a group of records in one transaction: whoever wins this write sends
 * the emails. When one of them was claimed meanwhile (a batch delivered twice), each is claimed
 * alone. Returns the contacts this sender won.
 */
async function claim(ctx: TenantContext, mailing: Mailing, records: Item[]): Promise<string[]> {
  if (records.length === 0) return [];
  const claimedAt = ctx.clock.now().toISOString();
  const claimInto = (uow: UnitOfWork, record: Item) =>
    uow.update(sendKey(ctx, mailing.id, String(record.contactId)), {
      set: { status: 'sending', claimedAt },
      condition: (e) => `${e.name('status')} = ${e.value('queued')}`,
      onConditionFailed: () => new ClaimLost(),
    });
  const ids = records.map((r) => String(r.contactId));
  if (records.length > 1) {
    const uow = unitOfWork(ctx);
    for (const record of records) claimInto(uow, record);
    try {
      await uow.commit();
      return ids;
    } catch (error) {
      if (!(error instanceof ClaimLost)) throw error;
    }
  }
  const won: string[] = [];
  for (const record of records) {
    try {
      await claimInto(unitOfWork(ctx), record).commit();
      won.push(String(record.contactId));
    } catch (error) {
      if (!(error instanceof ClaimLost)) throw error;
    }
  }
  return won;
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
