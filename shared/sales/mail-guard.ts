import type { MailOutcome } from '../mail/service.ts';
import type { TenantContext } from '../platform/context.ts';
import type { ItemKey } from '../platform/db/keys.ts';
import { type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';

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

export async function claimMail(ctx: TenantContext, key: ItemKey, what: string): Promise<Claim> {
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
