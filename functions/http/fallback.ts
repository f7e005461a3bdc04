import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { noSuchRoute, problemFor, problemResponse } from '../../shared/platform/http/problem.ts';

/** API Gateway's `$default` route: any request that matches no declared route. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
  problemResponse(
    problemFor(
      noSuchRoute(event.requestContext.http.method, event.rawPath),
      event.requestContext.requestId,
      event.rawPath,
    ),
  );
