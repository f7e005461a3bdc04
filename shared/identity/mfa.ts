import {
  AssociateSoftwareTokenCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Principal } from '../platform/auth.ts';
import type { Clock } from '../platform/clock.ts';
import { UnauthorizedError, ValidationError } from '../platform/errors.ts';
import { MEMBER_ATTRIBUTE, TENANT_ATTRIBUTE } from './attributes.ts';
import { cognito } from './cognito.ts';
import { identityConfig } from './config.ts';
import type { MfaCode, MfaSettings, TotpConfirmation, TotpSetup } from './schema.ts';
import { type SessionOutcome, signedIn, translate } from './session.ts';

/**
 * Two-step sign-in with an authenticator app (TOTP), optional for each member, over the user
 * pool's own calls: AssociateSoftwareToken, VerifySoftwareToken and SetUserMFAPreference, then
 * the SOFTWARE_TOKEN_MFA challenge at every sign-in. Cognito keeps the secret; the API never
 * stores it.
 *
 * Those calls act on a user with their *access* token, which the console never holds (it keeps
 * only the ID token, in memory). The session's refresh token, in its HttpOnly cookie scoped to
 * /v1/session, reaches these routes; the API trades it for an access token per request and
 * checks that it belongs to the member the ID token named, so one person's cookie cannot change
 * another's sign-in.
 */
const ISSUER = 'Funnel CRM';

async function accessTokenOf(principal: Principal, refreshToken: string | undefined): Promise<string> {
  if (!refreshToken || principal.keyId)
    throw new UnauthorizedError(
      'Two-step sign-in is managed from a console session: sign in to the console.',
    );
  const answer = await cognito
    .send(
      new InitiateAuthCommand({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: identityConfig.USER_POOL_CLIENT_ID,
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    )
    .catch((error) => {
      if ((error as { name?: string }).name === 'NotAuthorizedException')
        throw new UnauthorizedError('Your session has ended: sign in again.');
      throw error;
    });
  const accessToken = answer.AuthenticationResult?.AccessToken;
  if (!accessToken) throw new Error('Cognito refreshed a session without an access token.');
  return accessToken;
}

async function userOf(principal: Principal, accessToken: string) {
  const user = await cognito.send(new GetUserCommand({ AccessToken: accessToken }));
  const attribute = (name: string) => user.UserAttributes?.find((a) => a.Name === name)?.Value;
  if (
    attribute(TENANT_ATTRIBUTE) !== principal.tenantId ||
    attribute(MEMBER_ATTRIBUTE) !== principal.memberId
  )
    throw new UnauthorizedError('This browser’s session belongs to someone else: sign out and in again.');
  return user;
}

export async function mfaSettings(
  principal: Principal,
  refreshToken: string | undefined,
): Promise<MfaSettings> {
  const user = await userOf(principal, await accessTokenOf(principal, refreshToken));
  return { totp: user.UserMFASettingList?.includes('SOFTWARE_TOKEN_MFA') ? 'on' : 'off' };
}

/** A new secret for the member's authenticator app; the one in use (if any) stays until confirmed. */
export async function startTotp(principal: Principal, refreshToken: string | undefined): Promise<TotpSetup> {
  const accessToken = await accessTokenOf(principal, refreshToken);
  const user = await userOf(principal, accessToken);
  const { SecretCode } = await cognito.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
  if (!SecretCode) throw new Error('Cognito associated a software token without a secret.');
  const { Secret, TOTP } = await import('otpauth');
  const email = user.UserAttributes?.find((a) => a.Name === 'email')?.Value ?? user.Username ?? '';
  const uri = new TOTP({ issuer: ISSUER, label: email, secret: Secret.fromBase32(SecretCode) }).toString();
  return { secret: SecretCode, uri };
}

/** Confirms the new secret with a code made from it, and turns two-step sign-in on. */
export async function confirmTotp(
  principal: Principal,
  refreshToken: string | undefined,
  input: TotpConfirmation,
): Promise<MfaSettings> {
  const accessToken = await accessTokenOf(principal, refreshToken);
  await userOf(principal, accessToken);
  const verified = await cognito
    .send(
      new VerifySoftwareTokenCommand({
        AccessToken: accessToken,
        UserCode: input.code,
        FriendlyDeviceName: 'Authenticator app',
      }),
    )
    .catch((error) => {
      const name = (error as { name?: string }).name;
      if (name === 'EnableSoftwareTokenMFAException' || name === 'CodeMismatchException')
        throw ValidationError.field(
          'body.code',
          'This code does not match: check the app’s clock, or scan again.',
        );
      if (name === 'InvalidParameterException')
        throw ValidationError.field('body.code', 'Start again: ask for a new secret first.');
      return translate(error);
    });
  if (verified.Status !== 'SUCCESS')
    throw ValidationError.field(
      'body.code',
      'This code does not match: check the app’s clock, or scan again.',
    );
  await cognito.send(
    new SetUserMFAPreferenceCommand({
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }),
  );
  return { totp: 'on' };
}

/** Turns two-step sign-in off: the password alone signs in again. */
export async function turnOffTotp(principal: Principal, refreshToken: string | undefined): Promise<void> {
  const accessToken = await accessTokenOf(principal, refreshToken);
  await userOf(principal, accessToken);
  await cognito.send(
    new SetUserMFAPreferenceCommand({
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
    }),
  );
}

/** The second step of signing in: the authenticator's code for the challenge's session. */
export async function answerMfaChallenge(input: MfaCode, clock: Clock): Promise<SessionOutcome> {
  const answer = await cognito
    .send(
      new RespondToAuthChallengeCommand({
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        ClientId: identityConfig.USER_POOL_CLIENT_ID,
        Session: input.session,
        ChallengeResponses: { USERNAME: input.email.toLowerCase(), SOFTWARE_TOKEN_MFA_CODE: input.code },
      }),
    )
    .catch((error) => {
      if ((error as { name?: string }).name === 'CodeMismatchException')
        throw ValidationError.field(
          'body.code',
          'This code is not the one your authenticator app shows now.',
        );
      return translate(error);
    });
  return signedIn(answer.AuthenticationResult, clock);
}
