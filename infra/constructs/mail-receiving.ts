import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as actions from 'aws-cdk-lib/aws-ses-actions';
import { Construct } from 'constructs';

/**
 * SES receiving for the support addresses (docs/contact-centre.md): one rule set whose rule takes
 * mail for the inbound domain, has SES scan it (the spam and virus verdicts land in the
 * `X-SES-*` headers the inbound function honours) and stores the raw message under `incoming/`
 * of the inbound bucket, whose notification invokes the inbound function (functions/app/cases.ts).
 * The bucket policy that lets SES write, limited to this account, comes with the S3 action.
 *
 * CloudFormation cannot make a rule set the active one: the operator runs
 * `aws ses set-active-receipt-rule-set --rule-set-name <name>` once, and points the domain's MX
 * record at `inbound-smtp.<region>.amazonaws.com` (docs/contact-centre.md, Deploying).
 */
export class MailReceiving extends Construct {
  readonly ruleSet: ses.ReceiptRuleSet;

  constructor(
    scope: Construct,
    id: string,
    props: { ruleSetName: string; domain: string; bucket: s3.IBucket; prefix: string },
  ) {
    super(scope, id);
    this.ruleSet = new ses.ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: props.ruleSetName });
    this.ruleSet.addRule('SupportMail', {
      recipients: [props.domain],
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      actions: [new actions.S3({ bucket: props.bucket, objectKeyPrefix: props.prefix })],
    });
  }
}
