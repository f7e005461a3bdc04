import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import type { AuthorizerContext } from '../../shared/platform/http/handler.ts';
import { rootLogger } from '../../shared/platform/logger.ts';
import { authenticate } from '../../shared/tenancy/api-keys.ts';

/**
 * API Gateway's Lambda authorizer (simple responses). It always lets the request through with the
 * caller's identity, or the reason there is none: the route's function then answers 401/403 as a
 * problem document, which API Gateway's own deny response cannot be.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
  const result = await authenticate(event.headers?.authorization).catch((error: unknown) => {
    rootLogger.error('authentication failed', error as Error);
    throw error;
  });
  if (!result.ok) return { isAuthorized: true, context: { authenticated: false, reason: result.reason } };
  return { isAuthorized: true, context: { authenticated: true, ...result.principal } };
};
