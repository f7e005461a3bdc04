import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { authenticateOperator, isOperatorCredential } from '../../shared/operator/credentials.ts';
import { isContention, isServiceFailure } from '../../shared/platform/db/contention.ts';
import { bearerToken } from '../../shared/platform/http/bearer.ts';
import type { AuthorizerContext } from '../../shared/platform/http/handler.ts';
import { rootLogger } from '../../shared/platform/logger.ts';
import { type Authentication, authenticate } from '../../shared/tenancy/api-keys.ts';
import { tenantAccess } from '../../shared/tenancy/records.ts';

/**
 * API Gateway's Lambda authorizer (simple responses). It accepts either credential as a bearer
 * token: an API key (`fcrm_...`) or the ID token of a console session (a Cognito JWT), and maps
 * both to the same tenant, member and role. It always lets the request through with the caller's
 * identity, or the reason there is none: the route's function then answers 401/403 as a problem
 * document, which API Gateway's own deny response cannot be.
 *
 * An operator key (`fcrm_op_...`) is a third credential: its verdict says `operator` and names
 * no tenant, so only operator routes admit it (shared/operator/credentials.ts).
 *
 * The token verifier (aws-jwt-verify and the pool's keys) is loaded only when a token arrives,
 * so calls with API keys do not pay for it at cold start.
 *
 * When the caller cannot be looked up because DynamoDB is throttling or failing (after the SDK's
 * retries), the verdict says so and the function answers 503 with Retry-After: an authorizer
 * that throws makes API Gateway answer a bare 500. API Gateway caches that verdict like any
 * other, so such a key keeps getting 503 for at most the cache TTL (functions/app/index.ts).
 */
type Identified = Authentication | { ok: true; operator: true; keyId: string };

async function identify(header: string | undefined): Promise<Identified> {
  const credential = bearerToken(header);
  if (credential && isOperatorCredential(credential)) {
    const verdict = await authenticateOperator(credential);
    return verdict.ok ? { ok: true, operator: true, keyId: verdict.keyId } : verdict;
  }
  if (credential && !credential.startsWith('fcrm_')) {
    const { authenticateSession, looksLikeJwt } = await import('../../shared/identity/tokens.ts');
    if (looksLikeJwt(credential)) return authenticateSession(credential);
  }
  return authenticate(header);
}

export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
  const result = await identify(event.headers?.authorization).catch((error: unknown) => {
    if (isContention(error) || isServiceFailure(error)) {
      rootLogger.warn('authentication unavailable', error as Error);
      return undefined;
    }
    rootLogger.error('authentication failed', error as Error);
    throw error;
  });
  if (!result)
    return {
      isAuthorized: true,
      context: {
        authenticated: false,
        unavailable: true,
        reason:
          'Your credentials could not be checked just now; nothing was done. Send the same request again shortly.',
      },
    };
  if (!result.ok) return { isAuthorized: true, context: { authenticated: false, reason: result.reason } };
  if ('operator' in result)
    return { isAuthorized: true, context: { authenticated: true, operator: true, keyId: result.keyId } };
  // Whether the tenant is frozen for deletion, or has used up its API calls for the day, travels
  // with the verdict, so the function refuses without reading the tenant again; the verdict is
  // cached like the rest (at most 60 s).
  const access = await tenantAccess(result.principal.tenantId);
  return { isAuthorized: true, context: { authenticated: true, ...result.principal, ...access } };
};
