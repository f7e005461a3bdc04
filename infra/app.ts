import { App, Stack } from 'aws-cdk-lib';
import { application } from '../functions/app/index.ts';
import { EdgeFirewall } from './constructs/edge.ts';
import { acknowledgeFindings, applyNag } from './nag.ts';
import { FunnelStack } from './stack.ts';

const app = new App();
const stackName: string = app.node.tryGetContext('stackName') ?? 'FunnelCrm';
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

// A CloudFront web ACL can only be created in us-east-1. Deployed elsewhere, the stack gets its
// ACL from a small stack there (CDK carries the ARN across regions); offline, and in us-east-1,
// the ACL sits in the stack itself.
let webAclArn: string | undefined;
if (region && region !== 'us-east-1') {
  const edge = new Stack(app, `${stackName}Edge`, {
    env: { account, region: 'us-east-1' },
    crossRegionReferences: true,
    description: 'Funnel CRM: the AWS WAF web ACL of the CloudFront distribution (us-east-1 only).',
  });
  webAclArn = new EdgeFirewall(edge, 'Firewall', { application, name: stackName }).webAcl.attrArn;
}
const stack = new FunnelStack(app, stackName, {
  ...(region ? { env: { account, region } } : {}),
  ...(webAclArn ? { webAclArn, crossRegionReferences: true } : {}),
});
applyNag(app);
acknowledgeFindings(stack);
