import { Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

/** Every event the mail module records: send records, suppression, engagement. */
const RECORDED_EVENTS = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.DELIVERY_DELAY,
  ses.EmailSendingEvent.RENDERING_FAILURE,
];

/**
 * The SES configuration set every send uses. Its events go to EventBridge's default bus, the only
 * bus SES delivers to; rules on that bus route them on.
 */
export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;

  constructor(
    scope: Construct,
    id: string,
    props: { configurationSetName: string; defaultBus: events.IEventBus },
  ) {
    super(scope, id);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.configurationSetName,
      reputationMetrics: true,
    });
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(props.defaultBus),
      events: RECORDED_EVENTS,
    });
  }

  /** Identity ARNs of the account: tenants verify their own sending domains at run time. */
  get identityArns(): string {
    return Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
  }

  get configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
  }

  /** `mail:send`: send through this configuration set from any identity, and read the quota. */
  grantSend(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [this.identityArns, this.configurationSetArn],
    });
    // GetAccount (sending quota and rate) has no resource type: it only takes "*".
    iam.Grant.addToPrincipal({ grantee, actions: ['ses:GetAccount'], resourceArns: ['*'] });
  }

  /** SES tenants of this stack: named `<configuration set>-<tenant id>` (shared/senders/ses.ts). */
  get tenantArns(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'tenant',
      resourceName: `${this.configurationSet.configurationSetName}-*`,
    });
  }

  /**
   * `mail:identities`: tenants' sender identities (created, read, deleted at run time, so only the
   * account's identities can be named) and the SES tenants that keep each tenant's reputation apart.
   */
  grantIdentities(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'ses:CreateEmailIdentity',
        'ses:GetEmailIdentity',
        'ses:DeleteEmailIdentity',
        'ses:TagResource',
      ],
      resourceArns: [this.identityArns],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'ses:CreateTenant',
        'ses:DeleteTenant',
        'ses:CreateTenantResourceAssociation',
        'ses:TagResource',
      ],
      resourceArns: [this.tenantArns, this.identityArns, this.configurationSetArn],
    });
  }
}
