import {
  answerMfaChallenge,
  confirmTotp,
  mfaSettings,
  startTotp,
  turnOffTotp,
} from '../../shared/identity/mfa.ts';
import {
  chooseNewPassword,
  forgotPassword,
  refresh,
  resetPassword,
  type SessionOutcome,
  signIn,
  signOut,
} from '../../shared/identity/session.ts';
import { systemClock } from '../../shared/platform/clock.ts';
import { type HttpEvent, httpHandler, reply } from '../../shared/platform/http/handler.ts';
import { identityRoutes } from '../app/identity.ts';

/**
 * The refresh token lives in this cookie only: HttpOnly (no script reads it), Secure, SameSite
 * Strict (never sent from another site, so no cross-site request can use it) and scoped to the
 * session routes, so no other request carries it.
 */
const COOKIE = 'funnel_session';
const COOKIE_ATTRIBUTES = 'Path=/v1/session; HttpOnly; Secure; SameSite=Strict';
const COOKIE_MAX_AGE = 30 * 24 * 3600;

function sessionCookie(event: HttpEvent): string | undefined {
  const cookies = event.cookies ?? event.headers?.cookie?.split(/;\s*/) ?? [];
  for (const cookie of cookies) {
    const [name, ...value] = cookie.split('=');
    if (name?.trim() === COOKIE) return value.join('=');
  }
  return undefined;
}

function withCookie({ result, refreshToken }: SessionOutcome) {
  const headers: Record<string, string> = {};
  if (refreshToken)
    headers['set-cookie'] = `${COOKIE}=${refreshToken}; ${COOKIE_ATTRIBUTES}; Max-Age=${COOKIE_MAX_AGE}`;
  return reply(result, { headers });
}

const clearCookie = { 'set-cookie': `${COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0` };

export const handler = httpHandler(identityRoutes, {
  signIn: async ({ body }) => withCookie(await signIn(body, systemClock)),
  chooseNewPassword: async ({ body }) => {
    const outcome = await chooseNewPassword(body, systemClock);
    if (outcome.result.status !== 'signed_in') throw new Error('A new password must end in a session.');
    return withCookie(outcome) as ReturnType<typeof reply<typeof outcome.result>>;
  },
  answerMfaChallenge: async ({ body }) => {
    const outcome = await answerMfaChallenge(body, systemClock);
    if (outcome.result.status !== 'signed_in') throw new Error('An MFA code must end in a session.');
    return withCookie(outcome) as ReturnType<typeof reply<typeof outcome.result>>;
  },
  getMfa: async ({ event, principal }) => reply(await mfaSettings(principal!, sessionCookie(event))),
  startTotp: async ({ event, principal }) => reply(await startTotp(principal!, sessionCookie(event))),
  confirmTotp: async ({ event, principal, body }) =>
    reply(await confirmTotp(principal!, sessionCookie(event), body)),
  turnOffTotp: async ({ event, principal }) => {
    await turnOffTotp(principal!, sessionCookie(event));
    return reply(undefined, { status: 204 });
  },
  refreshSession: async ({ event }) => {
    const outcome = await refresh(sessionCookie(event), systemClock);
    if (outcome.result.status !== 'signed_in') throw new Error('A refresh must end in a session.');
    return reply(outcome.result);
  },
  signOut: async ({ event }) => {
    await signOut(sessionCookie(event));
    return reply(undefined, { status: 204, headers: clearCookie });
  },
  forgotPassword: async ({ body }) =>
    reply({ status: 'code_sent' as const, ...(await forgotPassword(body)) }, { status: 202 }),
  resetPassword: async ({ body }) => {
    await resetPassword(body);
    return reply(undefined, { status: 204 });
  },
});
