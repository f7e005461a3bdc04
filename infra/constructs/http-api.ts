import { Duration, NestedStack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import type { AccessLogConsumerSpec, Application } from '../../functions/app/types.ts';
import { routeKey } from '../../shared/platform/http/route.ts';
import { constructId } from './naming.ts';

/** Per-stage defaults for every route: a ceiling against runaway clients, far below the account's. */
const THROTTLE = { rateLimit: 100, burstLimit: 200 };

/** One JSON line per request; `tenantId` comes from the authorizer context when there is one. */
const ACCESS_LOG = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  tenantId: '$context.authorizer.tenantId',
  userAgent: '$context.identity.userAgent',
};

/**
 * The HTTP API. The API and its stage are created first (functions link to the API's URL);
 * routes are added once the functions exist, so nothing in the API resource depends on them.
 */
export class HttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Routes by route key (`GET /v1/me`, `$default`). */
  readonly routes = new Map<string, apigw.HttpRoute>();

  constructor(scope: Construct, id: string, props: { apiName: string }) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'Funnel CRM API',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG)),
      },
    });
  }

  /**
   * A declared consumer of the access log: a subscription filter passing the lines of requests a
   * tenant made (API Gateway writes `-` where the authorizer set no tenant).
   */
  subscribeAccessLog(spec: AccessLogConsumerSpec, consumer: IFunction): void {
    new logs.SubscriptionFilter(this, `AccessLog${constructId(spec.name)}`, {
      logGroup: this.accessLogs,
      destination: new LambdaDestination(consumer),
      filterPattern: logs.FilterPattern.stringValue('$.tenantId', '!=', '-'),
      filterName: spec.name,
    });
  }

  /** The declared routes, the authorizer on every non-public one, and `$default` to the fallback. */
  addRoutes(application: Application, functionOf: (name: string) => IFunction): void {
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationOf = (name: string) => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${constructId(name)}Integration`, functionOf(name), {
          payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
          // One invoke permission per function rather than per route: a function serving dozens
          // of routes would otherwise outgrow Lambda's 20 KB resource policy.
          scopePermissionToRoute: false,
        });
        integrations.set(name, integration);
      }
      return integration;
    };
    const authorizer = new HttpLambdaAuthorizer(
      'ApiKeyAuthorizer',
      functionOf(application.authorizer.function),
      {
        authorizerName: 'api-key',
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        identitySource: ['$request.header.Authorization'],
        resultsCacheTtl: Duration.seconds(application.authorizer.cacheTtlSeconds),
      },
    );

    // Routes (with their integrations) live in a nested stack: two hundred routes in the main
    // stack would leave too little of CloudFormation's 500 resources per stack for the functions,
    // their roles, log groups and alarms. The API, its stage and the authorizer stay here.
    const routes = new NestedStack(this, 'Routes', {
      description: 'Funnel CRM: the routes of the HTTP API and their Lambda integrations.',
    });
    for (const route of application.routes) {
      const key = routeKey(route);
      this.routes.set(
        key,
        new apigw.HttpRoute(routes, `Route${constructId(`${route.method} ${route.path}`)}`, {
          httpApi: this.api,
          routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
          integration: integrationOf(route.function),
          ...(route.access === 'public' ? {} : { authorizer }),
        }),
      );
    }
    this.routes.set(
      '$default',
      new apigw.HttpRoute(routes, 'RouteDefault', {
        httpApi: this.api,
        routeKey: apigw.HttpRouteKey.DEFAULT,
        integration: integrationOf(application.fallback),
      }),
    );
  }
}
