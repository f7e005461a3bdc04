import {
  type AuthenticationResultType,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Clock } from '../platform/clock.ts';
import { RateLimitedError, UnauthorizedError, ValidationError } from '../platform/errors.ts';
import { cognito } from './cognito.ts';
import { identityConfig } from './config.ts';
import type { ForgotPassword, NewPassword, ResetPassword, SignIn, SignInResult } from './schema.ts';

/**
 * The console's token endpoint, over the user pool's own flows (USER_PASSWORD_AUTH, the
 * NEW_PASSWORD_REQUIRED and SOFTWARE_TOKEN_MFA challenges (mfa.ts), refresh tokens, forgotten
 * passwords). The ID token goes to
 * the browser, which keeps it in memory; the refresh token never does: the HTTP layer puts it in
 * an HttpOnly cookie (see docs/console.md, "Sessions").
 */
export interface SessionOutcome {
  result: SignInResult;
  /** Set only when Cognito issued a new one (sign-in), for the cookie. */
  refreshToken?: string;
}

const clientId = () => identityConfig.USER_POOL_CLIENT_ID;

/** Cognito's answers, in the API's vocabulary. Unknown failures stay 500s. */
export function translate(error: unknown, passwordField = 'body.newPassword'): never {
  const name = (error as { name?: string }).name;
  const message = (error as Error).message ?? '';
  switch (name) {
    case 'NotAuthorizedException':
      if (/attempts exceeded/i.test(message))
        throw new RateLimitedError(
          'Too many wrong passwords: wait a minute, then try again or reset your password.',
        );
      if (/disabled/i.test(message))
        throw new UnauthorizedError('This account is deactivated. Ask an admin of your company.');
      if (/temporary password has expired/i.test(message))
        throw new UnauthorizedError('Your invitation has expired. Ask an admin to invite you again.');
      if (/session/i.test(message)) throw new UnauthorizedError('This step took too long. Sign in again.');
      throw new UnauthorizedError('The email or password is wrong.');
    case 'PasswordResetRequiredException':
      throw new UnauthorizedError('Your password must be reset: use "Forgot your password?".');
    case 'InvalidPasswordException':
      throw ValidationError.field(
        passwordField,
        message.replace(/^Password (did not|does not) conform (with|to) policy: /, ''),
      );
    case 'CodeMismatchException':
      throw ValidationError.field('body.code', 'This code is not the one we sent.');
    case 'ExpiredCodeException':
      throw ValidationError.field('body.code', 'This code has expired: ask for a new one.');
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      throw new RateLimitedError('Too many attempts: wait a few minutes, then try again.');
    default:
      throw error;
  }
}

export function signedIn(tokens: AuthenticationResultType | undefined, clock: Clock): SessionOutcome {
  if (!tokens?.IdToken) throw new Error('Cognito answered without tokens.');
  const expiresAt = new Date(clock.now().getTime() + (tokens.ExpiresIn ?? 3600) * 1000).toISOString();
  return {
    result: { status: 'signed_in', idToken: tokens.IdToken, expiresAt },
    ...(tokens.RefreshToken ? { refreshToken: tokens.RefreshToken } : {}),
  };
}

export async function signIn(input: SignIn, clock: Clock): Promise<SessionOutcome> {
  const answer = await cognito
    .send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: clientId(),
        AuthParameters: { USERNAME: input.email.toLowerCase(), PASSWORD: input.password },
      }),
    )
    .catch((error) => translate(error));
  if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED')
    return { result: { status: 'new_password_required', session: answer.Session ?? '' } };
  if (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA')
    return { result: { status: 'mfa_required', session: answer.Session ?? '' } };
  if (answer.ChallengeName)
    throw new UnauthorizedError(
      `This account needs a sign-in step the console does not offer (${answer.ChallengeName}).`,
    );
  return signedIn(answer.AuthenticationResult, clock);
}

export async function chooseNewPassword(input: NewPassword, clock: Clock): Promise<SessionOutcome> {
  const answer = await cognito
    .send(
      new RespondToAuthChallengeCommand({
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        ClientId: clientId(),
        Session: input.session,
        ChallengeResponses: { USERNAME: input.email.toLowerCase(), NEW_PASSWORD: input.newPassword },
      }),
    )
    .catch((error) => translate(error));
  return signedIn(answer.AuthenticationResult, clock);
}

export async function refresh(refreshToken: string | undefined, clock: Clock): Promise<SessionOutcome> {
  if (!refreshToken) throw new UnauthorizedError('No session: sign in.');
  const answer = await cognito
    .send(
      new InitiateAuthCommand({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: clientId(),
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    )
    .catch((error) => {
      if ((error as { name?: string }).name === 'NotAuthorizedException')
        throw new UnauthorizedError('Your session has ended: sign in again.');
      throw error;
    });
  return signedIn(answer.AuthenticationResult, clock);
}

/** Revokes the refresh token (and what was issued from it); signing out twice is harmless. */
export async function signOut(refreshToken: string | undefined): Promise<void> {
  if (!refreshToken) return;
  await cognito.send(new RevokeTokenCommand({ ClientId: clientId(), Token: refreshToken })).catch((error) => {
    if ((error as { name?: string }).name !== 'UnsupportedTokenTypeException') translate(error);
  });
}

export async function forgotPassword(input: ForgotPassword): Promise<{ destination?: string }> {
  const answer = await cognito
    .send(new ForgotPasswordCommand({ ClientId: clientId(), Username: input.email.toLowerCase() }))
    .catch((error) => {
      // Unknown addresses look like known ones: nobody learns who is a member from this form.
      if ((error as { name?: string }).name === 'UserNotFoundException')
        return { CodeDeliveryDetails: undefined };
      return translate(error);
    });
  const destination = answer.CodeDeliveryDetails?.Destination;
  return destination ? { destination } : {};
}

export async function resetPassword(input: ResetPassword): Promise<void> {
  await cognito
    .send(
      new ConfirmForgotPasswordCommand({
        ClientId: clientId(),
        Username: input.email.toLowerCase(),
        ConfirmationCode: input.code,
        Password: input.newPassword,
      }),
    )
    .catch((error) => translate(error));
}
