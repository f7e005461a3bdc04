import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../support/template.ts';

/**
 * What `cdk synth` must show for the console (issue 17's "Done when"): the user pool members sign
 * in to (TOTP as an optional second factor), the console's private bucket and its distribution,
 * and the authorizer able to verify the pool's tokens as well as API keys.
 */
const { stack, template } = synthesize();
const only = (type: string) => {
  const found = Object.values(template.findResources(type));
  expect(found, type).toHaveLength(1);
  return found[0] as { Properties: Record<string, any> };
};

describe('the console in the stack', () => {
  it('has a user pool with TOTP as an optional second factor, invitations by admins only, and a console client without a secret', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
      DeletionProtection: 'ACTIVE',
    });
    const client = only('AWS::Cognito::UserPoolClient').Properties;
    expect(client.ExplicitAuthFlows).toEqual(
      expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
    );
    expect(client.GenerateSecret).toBe(false);
    expect(client.PreventUserExistenceErrors).toBe('ENABLED');
  });

  it('gives the authorizer the pool to verify console sessions against, besides API keys', () => {
    const authorizer = template.toJSON().Resources[
      stack.getLogicalId(stack.functions.get('authorizer')!.function.node.defaultChild as never)
    ] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(Object.keys(authorizer.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['USER_POOL_ID', 'USER_POOL_CLIENT_ID', 'USER_POOL_ISSUER', 'TABLE_NAME']),
    );
  });

  it('serves the console from a private bucket through CloudFront with origin access control, a CSP and the single-page fallback, and /v1/* from the API', () => {
    const buckets = Object.values(template.findResources('AWS::S3::Bucket')) as Array<{ Properties: any }>;
    for (const bucket of buckets)
      expect(bucket.Properties.PublicAccessBlockConfiguration).toMatchObject({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    only('AWS::CloudFront::OriginAccessControl');
    const headers = only('AWS::CloudFront::ResponseHeadersPolicy').Properties.ResponseHeadersPolicyConfig;
    expect(headers.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy).toContain(
      "default-src 'self'",
    );
    // The console's distribution is the one reading a bucket through origin access control (the
    // other is the API's edge).
    const distributions = Object.values(template.findResources('AWS::CloudFront::Distribution')).map(
      (d: any) => d.Properties.DistributionConfig,
    );
    const distribution = distributions.find((d: any) => d.Origins.some((o: any) => o.OriginAccessControlId));
    expect(distribution).toBeDefined();
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1);
    expect(distribution.CacheBehaviors.map((b: any) => b.PathPattern)).toContain('/v1/*');
  });
});
