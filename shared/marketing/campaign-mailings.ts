import type { TenantContext } from '../platform/context.ts';
import { exists } from '../platform/db/expressions.ts';
import type { UnitOfWork } from '../platform/db/repository.ts';
import { campaignKeys } from './keys.ts';
import type { Mailing, MailingStatus } from './mailing-types.ts';

/**
 * Campaigns (and newsletter editions, which are campaigns) as a kind of mailing: the mailing has
 * the campaign's id, and the campaign's status follows the mailing's (paused, sending again, sent,
 * cancelled) in the same transaction, so a list of campaigns by status is never behind.
 */
export const campaignMailings = {
  onStatusChange(
    uow: UnitOfWork,
    ctx: TenantContext,
    mailing: Mailing,
    status: MailingStatus,
    at: string,
  ): void {
    const set: Record<string, unknown> = {
      status,
      updatedAt: at,
      GSI2PK: campaignKeys.inStatus(ctx.tenantId, status),
    };
    if (status === 'sent') set.completedAt = at;
    if (status === 'cancelled') set.cancelledAt = at;
    uow.update(campaignKeys.campaign(ctx.tenantId, mailing.id), {
      set: { ...set, pausedReason: status === 'paused' ? mailing.pauseReason : undefined },
      add: { version: 1 },
      condition: exists,
    });
  },
};
