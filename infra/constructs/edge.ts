import { Fn, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Application, RateLimitSpec } from '../../functions/app/types.ts';
import { rateLimitHeaders, rateLimitProblem } from '../rate-limits.ts';
import { constructId } from './naming.ts';

/**
 * The edge: CloudFront in front of the HTTP API, with an AWS WAF web ACL whose rate-based rules
 * are the declared rate limits (functions/app, `rateLimits`), so a sign-up flood is refused
 * before any function runs. WAF cannot attach to an HTTP API itself, hence the distribution.
 *
 * A CloudFront web ACL lives in us-east-1: a stack deployed there holds it (EdgeFirewall, here);
 * a stack elsewhere receives its ARN from a small us-east-1 stack (infra/app.ts).
 */
export class EdgeFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: { application: Application; name: string }) {
    super(scope, id);
    const limits = props.application.rateLimits;
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.name,
      description: 'Funnel CRM: the declared rate limits, enforced before the API.',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${props.name}-acl`),
      customResponseBodies: Object.fromEntries(
        limits.map((limit) => [
          bodyKey(limit),
          {
            contentType: 'APPLICATION_JSON',
            content: JSON.stringify(rateLimitProblem(limit, limit.windowSeconds)),
          },
        ]),
      ),
      rules: limits.map((limit, priority) => ({
        name: limit.name,
        priority,
        action: {
          block: {
            customResponse: {
              responseCode: 429,
              customResponseBodyKey: bodyKey(limit),
              responseHeaders: Object.entries(rateLimitHeaders(limit, limit.windowSeconds)).map(
                ([name, value]) => ({ name, value }),
              ),
            },
          },
        },
        statement: { rateBasedStatement: rateBased(limit, props.application) },
        visibilityConfig: visibility(`${props.name}-${limit.name}`),
      })),
    });
  }
}

export class Edge extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly firewall?: EdgeFirewall;
  /** The web ACL in front of the API: the one given, or the firewall made here. */
  readonly webAclArn: string;

  constructor(
    scope: Construct,
    id: string,
    props: { application: Application; apiEndpoint: string; name: string; webAclArn?: string },
  ) {
    super(scope, id);
    let webAclArn = props.webAclArn;
    if (!webAclArn) {
      this.firewall = new EdgeFirewall(this, 'Firewall', {
        application: props.application,
        name: props.name,
      });
      webAclArn = this.firewall.webAcl.attrArn;
    }
    this.webAclArn = webAclArn;
    // https://<id>.execute-api.<region>.amazonaws.com → its host name.
    const apiDomain = Fn.select(2, Fn.split('/', props.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${Stack.of(this).stackName}: the API behind AWS WAF`,
      webAclId: webAclArn,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiDomain, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // Every answer is per caller: nothing is cached, everything but Host reaches the API.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}

const visibility = (metricName: string) => ({
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName: metricName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
});

const bodyKey = (limit: RateLimitSpec) => constructId(limit.name);

/** `/v1/members/{id}` → `^/v1/members/[^/]+$` (a greedy `{proxy+}` matches the rest). */
function pathPattern(path: string): string {
  const segments = path.split('/').map((segment) => {
    if (!segment.startsWith('{')) return segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
    return segment.endsWith('+}') ? '.+' : '[^/]+';
  });
  return `^${segments.join('/')}$`;
}

function routeMatch(method: string, path: string): wafv2.CfnWebACL.StatementProperty {
  const none = [{ priority: 0, type: 'NONE' }];
  return {
    andStatement: {
      statements: [
        {
          byteMatchStatement: {
            fieldToMatch: { method: {} },
            positionalConstraint: 'EXACTLY',
            searchString: method,
            textTransformations: none,
          },
        },
        {
          regexMatchStatement: {
            fieldToMatch: { uriPath: {} },
            regexString: pathPattern(path),
            textTransformations: none,
          },
        },
      ],
    },
  };
}

/** Every request under `/v1/`, whatever its method (a limit with `operations: 'api'`). */
const apiMatch: wafv2.CfnWebACL.StatementProperty = {
  regexMatchStatement: {
    fieldToMatch: { uriPath: {} },
    regexString: pathPattern('/v1/{proxy+}'),
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
};

function rateBased(
  limit: RateLimitSpec,
  application: Application,
): wafv2.CfnWebACL.RateBasedStatementProperty {
  const matches =
    limit.operations === 'api'
      ? [apiMatch]
      : limit.operations.map((operationId) => {
          const route = application.routes.find((r) => r.operationId === operationId)!;
          return routeMatch(route.method, route.path);
        });
  const scopeDown = matches.length === 1 ? matches[0]! : { orStatement: { statements: matches } };
  return {
    limit: limit.limit,
    evaluationWindowSec: limit.windowSeconds,
    scopeDownStatement: scopeDown,
    ...(limit.per === 'client'
      ? { aggregateKeyType: 'IP' }
      : limit.per === 'all'
        ? { aggregateKeyType: 'CONSTANT' }
        : {
            aggregateKeyType: 'CUSTOM_KEYS',
            // The header as the authorizer reads it (shared/platform/http/bearer.ts): the scheme in
            // any case and any run of whitespace are one credential, or `bearer KEY` escapes the
            // limit of `Bearer KEY`. WAF can only fold the case of the whole value, so keys that
            // differ in case alone count together here; only one of them can be genuine.
            customKeys: [
              {
                header: {
                  name: 'authorization',
                  textTransformations: [
                    { priority: 0, type: 'COMPRESS_WHITE_SPACE' },
                    { priority: 1, type: 'LOWERCASE' },
                  ],
                },
              },
            ],
          }),
  };
}
