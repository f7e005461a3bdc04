import { httpHandler, noContent } from '../../shared/platform/http/handler.ts';
import {
  createSenderIdentity,
  deleteSenderIdentity,
  getSenderIdentity,
  listSenderIdentities,
  resendVerification,
} from '../../shared/senders/identities.ts';
import { senderRoutes } from '../app/senders.ts';

export const handler = httpHandler(senderRoutes, {
  listSenderIdentities: async ({ ctx }) => ({ items: await listSenderIdentities(ctx) }),
  createSenderIdentity: ({ ctx, body }) => createSenderIdentity(ctx, body),
  getSenderIdentity: ({ ctx, params }) => getSenderIdentity(ctx, params.id),
  deleteSenderIdentity: async ({ ctx, params }) => {
    await deleteSenderIdentity(ctx, params.id);
    return noContent();
  },
  resendSenderVerification: ({ ctx, params }) => resendVerification(ctx, params.id),
});
