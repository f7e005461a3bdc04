import {
  ForgotPassword,
  MfaCode,
  MfaSettings,
  NewPassword,
  PasswordResetRequested,
  ResetPassword,
  SessionTokens,
  SignIn,
  SignInResult,
  TotpConfirmation,
  TotpSetup,
} from '../../shared/identity/schema.ts';
import { anyMember } from '../../shared/platform/auth.ts';
import { route } from '../../shared/platform/http/route.ts';
import { defineModule } from './types.ts';

const fn = 'identity-api';
const tags = ['Sign-in'];

/**
 * The console's token endpoint. Public routes (a member signing in has no credential yet); the
 * refresh token travels only in an HttpOnly cookie scoped to /v1/session. On AWS the console's
 * CloudFront distribution forwards /v1/* to this API, so the cookie is first-party.
 */
export const identityRoutes = {
  signIn: route({
    operationId: 'signIn',
    method: 'POST',
    path: '/v1/session',
    function: fn,
    access: 'public',
    summary: 'Sign in to the console',
    description:
      'Checks the email and password against the user pool. Answers the ID token to send as `Authorization: Bearer`, and sets the refresh token as an HttpOnly cookie; or, after an invitation, asks for a new password. Wrong passwords are throttled (429) as Cognito does.',
    tags,
    body: SignIn,
    idempotent: false,
    response: { status: 200, schema: SignInResult },
    errors: ['rate_limited'],
  }),
  chooseNewPassword: route({
    operationId: 'chooseNewPassword',
    method: 'POST',
    path: '/v1/session/new-password',
    function: fn,
    access: 'public',
    summary: 'Choose a password on first sign-in',
    tags,
    body: NewPassword,
    idempotent: false,
    response: { status: 200, schema: SessionTokens },
    errors: ['rate_limited'],
  }),
  answerMfaChallenge: route({
    operationId: 'answerMfaChallenge',
    method: 'POST',
    path: '/v1/session/mfa-code',
    function: fn,
    access: 'public',
    summary: 'Finish signing in with the authenticator app’s code',
    description:
      'The second step for a member with two-step sign-in on: the `session` of the `mfa_required` answer and the 6-digit code their app shows. A code works once; after five wrong codes the sign-in starts again from the password.',
    tags,
    body: MfaCode,
    idempotent: false,
    response: { status: 200, schema: SessionTokens },
    errors: ['rate_limited'],
  }),
  getMfa: route({
    operationId: 'getMfa',
    method: 'GET',
    path: '/v1/session/mfa',
    function: fn,
    access: anyMember,
    summary: 'Whether two-step sign-in is on for me',
    description:
      'Acts on the signed-in member’s own user; needs the console session’s cookie as well as its ID token (an API key answers 401).',
    tags,
    response: { status: 200, schema: MfaSettings },
  }),
  startTotp: route({
    operationId: 'startTotp',
    method: 'POST',
    path: '/v1/session/mfa/totp',
    function: fn,
    access: anyMember,
    summary: 'Get a new secret for an authenticator app',
    description:
      'Answers the secret and its `otpauth://` URI (show it as a QR code). Nothing changes at sign-in until a code from it is confirmed; an earlier authenticator keeps working until then.',
    tags,
    idempotent: false,
    response: { status: 200, schema: TotpSetup },
  }),
  confirmTotp: route({
    operationId: 'confirmTotp',
    method: 'POST',
    path: '/v1/session/mfa/totp/confirm',
    function: fn,
    access: anyMember,
    summary: 'Confirm the authenticator app and turn two-step sign-in on',
    tags,
    body: TotpConfirmation,
    idempotent: false,
    response: { status: 200, schema: MfaSettings },
  }),
  turnOffTotp: route({
    operationId: 'turnOffTotp',
    method: 'DELETE',
    path: '/v1/session/mfa/totp',
    function: fn,
    access: anyMember,
    summary: 'Turn two-step sign-in off',
    tags,
    response: { status: 204 },
  }),
  refreshSession: route({
    operationId: 'refreshSession',
    method: 'POST',
    path: '/v1/session/refresh',
    function: fn,
    access: 'public',
    summary: 'Get a fresh ID token from the session cookie',
    tags,
    idempotent: false,
    response: { status: 200, schema: SessionTokens },
  }),
  signOut: route({
    operationId: 'signOut',
    method: 'DELETE',
    path: '/v1/session',
    function: fn,
    access: 'public',
    summary: 'Sign out',
    description: 'Revokes the session’s refresh token and clears its cookie.',
    tags,
    response: { status: 204 },
  }),
  forgotPassword: route({
    operationId: 'forgotPassword',
    method: 'POST',
    path: '/v1/password/forgot',
    function: fn,
    access: 'public',
    summary: 'Ask for a password reset code by email',
    tags,
    body: ForgotPassword,
    idempotent: false,
    response: { status: 202, schema: PasswordResetRequested },
    errors: ['rate_limited'],
  }),
  resetPassword: route({
    operationId: 'resetPassword',
    method: 'POST',
    path: '/v1/password/reset',
    function: fn,
    access: 'public',
    summary: 'Set a new password with the emailed code',
    tags,
    body: ResetPassword,
    idempotent: false,
    response: { status: 204 },
    errors: ['rate_limited'],
  }),
};

export const identity = /* @__PURE__ */ defineModule({
  name: 'identity',
  tags: {
    'Sign-in':
      'Members sign in to the console with their email and password (an Amazon Cognito user pool); programs use API keys.',
  },
  functions: [
    {
      name: 'identity-api',
      entry: 'functions/http/identity.ts',
      description:
        'Sign-in (with the authenticator code of two-step sign-in), new passwords, session refresh and sign-out for the console.',
      permissions: [],
    },
    {
      name: 'identity-members',
      entry: 'functions/events/identity-members.ts',
      description: 'Invites added members to sign in, and disables the sign-in of deactivated ones.',
      permissions: ['table:write', 'users:manage'],
    },
  ],
  routes: identityRoutes,
  rules: [
    {
      name: 'member-sign-in',
      description: 'An added member is invited to sign in; a deactivated one can no longer.',
      bus: 'domain',
      pattern: { source: ['funnel.tenancy'], 'detail-type': ['MemberAdded', 'MemberDeactivated'] },
      target: 'identity-members',
    },
  ],
});
