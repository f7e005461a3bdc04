import { httpHandler } from '../../shared/platform/http/handler.ts';
import { getSubscription } from '../../shared/subscriptions/subscriptions.ts';
import { subscriptionRoutes } from '../app/subscriptions.ts';

export const handler = httpHandler(subscriptionRoutes, {
  getSubscription: ({ ctx }) => getSubscription(ctx),
});
