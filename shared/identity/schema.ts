import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Email, named } from '../platform/schema.ts';

const Password = lazy(() => z.string().check(z.minLength(1), z.maxLength(256)));

export const SignIn = named(
  'SignIn',
  lazy(() => z.object({ email: Email, password: Password })),
  'A member signs in with the email address they were invited with.',
);
export type SignIn = z.infer<typeof SignIn>;

export const NewPassword = named(
  'NewPassword',
  lazy(() =>
    z.object({
      email: Email,
      /** The `session` of the `NEW_PASSWORD_REQUIRED` answer. */
      session: z.string().check(z.minLength(1), z.maxLength(4096)),
      newPassword: Password,
    }),
  ),
  'The password a member chooses on first sign-in, replacing the temporary one from the invitation.',
);
export type NewPassword = z.infer<typeof NewPassword>;

export const SessionTokens = named(
  'SessionTokens',
  lazy(() =>
    z.object({
      status: z.literal('signed_in'),
      /** A Cognito ID token: send it as `Authorization: Bearer <idToken>`. Keep it in memory only. */
      idToken: z.string(),
      expiresAt: z.string(),
    }),
  ),
  'Signed in. The refresh token is set as an HttpOnly cookie scoped to /v1/session, never returned in the body.',
);
export type SessionTokens = z.infer<typeof SessionTokens>;

export const SessionChallenge = named(
  'SessionChallenge',
  lazy(() =>
    z.object({
      status: z.literal('new_password_required'),
      session: z.string(),
    }),
  ),
  'The password was a temporary one: choose a new one with POST /v1/session/new-password.',
);

export const MfaChallenge = named(
  'MfaChallenge',
  lazy(() =>
    z.object({
      status: z.literal('mfa_required'),
      session: z.string(),
    }),
  ),
  'The member turned on two-step sign-in: send the code their authenticator app shows with POST /v1/session/mfa-code.',
);

export const SignInResult = named(
  'SignInResult',
  lazy(() => z.union([SessionTokens, SessionChallenge, MfaChallenge])),
);
export type SignInResult = z.infer<typeof SignInResult>;

const TotpCode = lazy(() =>
  z
    .string()
    .check(z.trim(), z.regex(/^\d{6}$/, { message: 'Enter the 6-digit code your authenticator app shows.' })),
);

export const MfaCode = named(
  'MfaCode',
  lazy(() =>
    z.object({
      email: Email,
      /** The `session` of the `mfa_required` answer. */
      session: z.string().check(z.minLength(1), z.maxLength(4096)),
      code: TotpCode,
    }),
  ),
  'The second step of signing in: the code of the member’s authenticator app.',
);
export type MfaCode = z.infer<typeof MfaCode>;

export const MfaSettings = named(
  'MfaSettings',
  lazy(() =>
    z.object({
      /** `on`: signing in asks for the authenticator app's code after the password. */
      totp: z.enum(['on', 'off']),
    }),
  ),
  'The signed-in member’s two-step sign-in.',
);
export type MfaSettings = z.infer<typeof MfaSettings>;

export const TotpSetup = named(
  'TotpSetup',
  lazy(() =>
    z.object({
      /** The shared secret, base32: type it into the app, or scan `uri` as a QR code. */
      secret: z.string(),
      /** An `otpauth://totp/` URI (issuer Funnel CRM, the member's email, SHA-1, 6 digits, 30 s). */
      uri: z.string(),
    }),
  ),
  'A new authenticator secret. Two-step sign-in is on once a code made from it is confirmed.',
);
export type TotpSetup = z.infer<typeof TotpSetup>;

export const TotpConfirmation = named(
  'TotpConfirmation',
  lazy(() => z.object({ code: TotpCode })),
  'A code the authenticator app shows for the new secret.',
);
export type TotpConfirmation = z.infer<typeof TotpConfirmation>;

export const ForgotPassword = named(
  'ForgotPassword',
  lazy(() => z.object({ email: Email })),
);
export type ForgotPassword = z.infer<typeof ForgotPassword>;

export const ResetPassword = named(
  'ResetPassword',
  lazy(() =>
    z.object({
      email: Email,
      code: z
        .string()
        .check(z.trim(), z.regex(/^\d{6}$/, { message: 'Enter the 6-digit code from the email.' })),
      newPassword: Password,
    }),
  ),
);
export type ResetPassword = z.infer<typeof ResetPassword>;

export const PasswordResetRequested = named(
  'PasswordResetRequested',
  lazy(() => z.object({ status: z.literal('code_sent'), destination: z.optional(z.string()) })),
  'When the address belongs to a member, a code is on its way; the answer is the same when it does not.',
);
