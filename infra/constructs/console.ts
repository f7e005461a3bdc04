import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { DockerImage, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONSOLE_PATH, CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../console-site.ts';

/**
 * The console in AWS: its Vite build in a private S3 bucket, served by CloudFront through origin
 * access control, with the security headers and CSP the local runtime sends too
 * (infra/console-site.ts), and the single-page fallback as a CloudFront Function (not as custom
 * error responses, which would also rewrite the API's 403s and 404s).
 *
 * The same distribution forwards `/v1/*` to the HTTP API, so the console and the API share one
 * origin: the session cookie of the token endpoint is first-party and SameSite=Strict, and no
 * write pays a CORS preflight. `cdk synth` builds the console (local bundling, no Docker).
 */
export interface ConsoleSiteProps {
  api: apigw.HttpApi;
  repositoryRoot: string;
  /** The AWS WAF web ACL (CloudFront scope) of the API's edge, so /v1/* is limited here too. */
  webAclArn?: string;
}

/** `/app` and `/` go to the console; paths without a file extension are the router's. */
const SPA_FALLBACK = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '${CONSOLE_PATH}') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '${CONSOLE_PATH}/' } } };
  }
  if (uri.indexOf('${CONSOLE_PATH}/') === 0 && !/\\.[A-Za-z0-9]+$/.test(uri)) {
    request.uri = '${CONSOLE_PATH}/index.html';
  }
  return request;
}`;

export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly logs: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly deployments: s3deploy.BucketDeployment[] = [];
  /** The role of CDK's deployment function, which copies the build into the bucket. */
  readonly deployer: iam.Role;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.logs = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are written with an ACL.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/',
      // The files are a build output, redeployed with every release.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { 'permissions-policy': permissionsPolicy } = SECURITY_HEADERS;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Funnel CRM console: CSP and security headers (same as the local runtime).',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONTENT_SECURITY_POLICY, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'permissions-policy', value: permissionsPolicy!, override: true }],
      },
    });
    const fallback = new cloudfront.Function(this, 'SpaFallback', {
      comment: 'Console paths without a file extension answer index.html (client-side routing).',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(SPA_FALLBACK),
    });
    const apiDomain = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Funnel CRM console (/app) and its API (/v1)',
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          { function: fallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
        compress: true,
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new origins.HttpOrigin(apiDomain, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          compress: true,
        },
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cdn/',
    });

    const root = props.repositoryRoot;
    const build = s3deploy.Source.asset(join(root, 'web'), {
      exclude: ['node_modules', 'dist'],
      bundling: {
        // Used only if the local build fails; the build needs nothing Docker would add.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:20'),
        local: {
          tryBundle(outputDir: string) {
            execFileSync('npm', ['run', 'build:console'], { cwd: root, stdio: 'inherit' });
            cpSync(join(root, 'web', 'dist'), outputDir, { recursive: true });
            return true;
          },
        },
      },
    });
    // CDK's deployment function gets a role of its own with inline grants only (no managed
    // policy): its logs, and the reads and writes BucketDeployment adds for the two buckets.
    const deploymentLogs = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    this.deployer = new iam.Role(this, 'Deployer', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the console build into its bucket at deploy time.',
    });
    deploymentLogs.grantWrite(this.deployer);
    const common = { role: this.deployer, logGroup: deploymentLogs, memoryLimit: 512 };
    // Hashed assets are cached for a year; index.html is revalidated so a release shows at once.
    this.deployments.push(
      new s3deploy.BucketDeployment(this, 'Assets', {
        ...common,
        sources: [build],
        destinationBucket: this.bucket,
        destinationKeyPrefix: `${CONSOLE_PATH.slice(1)}/`,
        exclude: ['index.html', '.source-fingerprint'],
        prune: false,
        cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
      }),
    );
    this.deployments.push(
      new s3deploy.BucketDeployment(this, 'Page', {
        ...common,
        sources: [build],
        destinationBucket: this.bucket,
        destinationKeyPrefix: `${CONSOLE_PATH.slice(1)}/`,
        exclude: ['*'],
        include: ['index.html'],
        prune: false,
        cacheControl: [s3deploy.CacheControl.noCache()],
        distribution: this.distribution,
        distributionPaths: [`${CONSOLE_PATH}/index.html`],
      }),
    );
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}${CONSOLE_PATH}/`;
  }
}
