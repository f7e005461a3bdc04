import type { MailOutcome } from '../mail/service.ts';
import type { TenantContext } from '../platform/context.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import { type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import { backOff } from '../platform/retry.ts';

/**
 * At most one email per thing that must be mailed once (a quote revision, a purchase order),
 * however often its event is delivered. A delivery first claims the guard item with a
 * conditional write, sends, then records the outcome. A claim left by a delivery that died
 * mid-send is taken over after a few minutes, so the mail is not lost either: a duplicate is
 * possible only when a process dies after SES accepted the mail and before the outcome was
 * written.
 */
const STALE_CLAIM_MS = 5 * 60_000;

/** Another delivery is sending this mail right now; the event will be redelivered. */
export class MailBeingSent extends Error {}

export type Claim = { status: 'claimed'; claimedAt: string } | { status: 'done' };

/**
 * Claims the mail, waiting a few seconds (backoff with full jitter) while another delivery of the
 * same event holds the claim: at-least-once delivery hands the same event to two invocations at
 * once, and the second learns the first one's outcome (done, or released after a failure, which
 * it then takes over) instead of failing. Failing would cost a redelivery a minute later and a
 * function error that pages someone, for a mail that is fine. Past the wait, MailBeingSent: the
 * event is redelivered.
 */
export function claimMail(ctx: TenantContext, key: ItemKey, what: string): Promise<Claim> {
  return backOff(() => claimOnce(ctx, key, what), {
    numOfAttempts: CLAIM_ATTEMPTS,
    startingDelay: 100,
    timeMultiple: 2,
    maxDelay: 2000,
    jitter: 'full',
    retry: (error) => error instanceof MailBeingSent,
  });
}

/** About seven seconds of waiting at most: longer than a send with the SDK's retries takes. */
const CLAIM_ATTEMPTS = 8;

async function claimOnce(ctx: TenantContext, key: ItemKey, what: string): Promise<Claim> {
  const now = ctx.clock.now();
  const claimedAt = now.toISOString();
  const stale = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  try {
    await unitOfWork(ctx)
      .put(
        { ...key, entity: 'MailGuard', what, state: 'sending', claimedAt },
        {
          condition: (e) =>
            `attribute_not_exists(${e.name('PK')}) OR (${e.name('state')} = ${e.value('sending')} AND ${e.name('claimedAt')} < ${e.value(stale)})`,
          onConditionFailed: (existing) =>
            existing?.state === 'sending' ? new MailBeingSent(what) : new MailDone(),
        },
      )
      .commit();
    return { status: 'claimed', claimedAt };
  } catch (error) {
    if (error instanceof MailDone) return { status: 'done' };
    throw error;
  }
}

class MailDone extends Error {}

/** Records the outcome in the unit of work that also records it on the mailed record. */
export function mailSentInto(uow: UnitOfWork, key: ItemKey, claimedAt: string, outcome: MailOutcome): void {
  uow.update(key, {
    set: {
      state: outcome.status,
      ...(outcome.status === 'sent' ? { messageId: outcome.messageId } : { reason: outcome.reason }),
    },
    condition: (e) => `${e.name('claimedAt')} = ${e.value(claimedAt)}`,
  });
}

/** Gives the claim back after a failed send, so the redelivery can try again at once. */
export async function releaseMail(ctx: TenantContext, key: ItemKey, claimedAt: string): Promise<void> {
  await unitOfWork(ctx)
    .delete(key, { condition: (e) => `${e.name('claimedAt')} = ${e.value(claimedAt)}` })
    .commit()
    .catch(() => undefined);
}
