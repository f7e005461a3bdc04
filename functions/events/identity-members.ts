import { MemberAdded, MemberDeactivated } from '../../events/tenancy.ts';
import { disableLogin, inviteMember } from '../../shared/identity/logins.ts';
import { eventHandler } from '../../shared/platform/handlers.ts';

/** Both effects are safe to repeat (see shared/identity/logins.ts), so redeliveries change nothing. */
export const handler = eventHandler(
  'identity-members',
  [MemberAdded, MemberDeactivated],
  async (event, ctx) => {
    if (event.type === 'MemberAdded') await inviteMember(ctx, event.detail.memberId);
    else await disableLogin(ctx, event.detail.memberId);
  },
);
