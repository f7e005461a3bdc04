/**
 * What the console's two hosts share: the local runtime (infra/local/console.ts) and CloudFront
 * (infra/constructs/console.ts) serve it at the same path with the same security headers, and
 * Cognito (or its local stand-in) mails the same invitation.
 */
export const CONSOLE_PATH = '/app';

/**
 * Everything the console loads comes from its own origin: scripts and styles are files of the
 * build (no inline script or style element), API calls go to the same origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Cognito replaces `{username}` and `{####}` (the temporary password). */
export function invitationMessage(consoleUrl: string): { subject: string; text: string } {
  return {
    subject: 'You are invited to Funnel CRM',
    text: [
      'You have been added to your company’s Funnel CRM.',
      '',
      `Sign in at ${consoleUrl} with`,
      '  email: {username}',
      '  temporary password: {####}',
      '',
      'You will choose your own password when you first sign in. The temporary password is valid for 7 days.',
    ].join('\n'),
  };
}

/** The members' password policy: the user pool (infra/constructs/identity.ts) and its stand-in. */
export const PASSWORD_POLICY = { minLength: 10, lower: true, upper: true, digits: true, symbols: true };
