import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { invitationMessage, PASSWORD_POLICY } from '../console-site.ts';

/**
 * The members' user pool: console sign-in. One pool for every tenant (a pool per tenant would
 * hit Cognito's pool quota); each user carries its tenant and member ids as custom attributes
 * that only the API can write (the app client may not), and the member's login item holds the
 * user's `sub` (docs/data-model.md, Identity). No self sign-up: admins invite members, Cognito
 * mails the temporary password, the member chooses a password on first sign-in.
 */
export class MemberSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: { consoleUrl: string }) {
    super(scope, id);
    const invitation = invitationMessage(props.consoleUrl);
    this.userPool = new cognito.UserPool(this, 'Members', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      customAttributes: {
        tenant_id: new cognito.StringAttribute({ minLen: 26, maxLen: 26, mutable: false }),
        member_id: new cognito.StringAttribute({ minLen: 26, maxLen: 26, mutable: false }),
      },
      passwordPolicy: {
        minLength: PASSWORD_POLICY.minLength,
        requireLowercase: PASSWORD_POLICY.lower,
        requireUppercase: PASSWORD_POLICY.upper,
        requireDigits: PASSWORD_POLICY.digits,
        requireSymbols: PASSWORD_POLICY.symbols,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: invitation.subject,
        emailBody: invitation.text.replaceAll('\n', '<br>'),
      },
      deletionProtection: true,
      // Members' sign-ins outlive a stack replacement; deleting them is a deliberate act.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.client = this.userPool.addClient('Console', {
      userPoolClientName: 'console',
      // The console's token endpoint (identity-api) calls Cognito on the member's behalf.
      authFlows: { userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('tenant_id', 'member_id'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });
  }

  /** The issuer of the pool's tokens (its JWKS is at `<issuer>/.well-known/jwks.json`). */
  get issuer(): string {
    return this.userPool.userPoolProviderUrl;
  }

  grantManage(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminGetUser',
          'cognito-idp:AdminDisableUser',
          'cognito-idp:AdminDeleteUser',
          'cognito-idp:AdminUserGlobalSignOut',
        ],
        resources: [this.userPool.userPoolArn],
      }),
    );
  }
}
