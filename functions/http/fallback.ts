import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFoundError } from '../../shared/platform/errors.ts';
import { problemFor, problemResponse } from '../../shared/platform/http/problem.ts';

/** API Gateway's `$default` route: any request that matches no declared route. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
  problemResponse(
    problemFor(
      new NotFoundError(
        `${event.requestContext.http.method} ${event.rawPath} is not a route of this API; see /docs`,
      ),
      event.requestContext.requestId,
      event.rawPath,
    ),
  );
