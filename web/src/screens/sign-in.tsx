import { type FormEvent, useState } from 'react';
import { api, ok, startSession } from '../session.ts';
import { Field, FormProblem, useSubmit } from '../ui.tsx';

/**
 * Sign-in (with the authenticator app's code when the member turned two-step sign-in on), the new
 * password after an invitation, and a forgotten password, against the token endpoint
 * (/v1/session, /v1/password/*). Shown in place of any screen when there is no session,
 * so the address the member opened is still there once they are signed in.
 */
type Step =
  | { name: 'sign-in' }
  | { name: 'new-password'; session: string }
  | { name: 'mfa'; session: string }
  | { name: 'forgot' }
  | { name: 'reset' };

export function SignIn(props: { expired: boolean; onSignedIn: () => void }) {
  const [step, setStep] = useState<Step>({ name: 'sign-in' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [code, setCode] = useState('');
  const [notice, setNotice] = useState<string>();
  const submit = useSubmit();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run(async () => {
      if (step.name === 'sign-in') {
        const result = await ok(api.POST('/v1/session', { body: { email, password } }));
        if (result.status === 'new_password_required') {
          setStep({ name: 'new-password', session: result.session });
          setNotice('Welcome! Choose your own password to finish signing in.');
          return;
        }
        if (result.status === 'mfa_required') {
          setStep({ name: 'mfa', session: result.session });
          setNotice(undefined);
          return;
        }
        startSession(result);
        props.onSignedIn();
      } else if (step.name === 'mfa') {
        const result = await ok(
          api.POST('/v1/session/mfa-code', { body: { email, session: step.session, code } }),
        );
        startSession(result);
        props.onSignedIn();
      } else if (step.name === 'new-password') {
        const result = await ok(
          api.POST('/v1/session/new-password', { body: { email, session: step.session, newPassword } }),
        );
        startSession(result);
        props.onSignedIn();
      } else if (step.name === 'forgot') {
        await ok(api.POST('/v1/password/forgot', { body: { email } }));
        setStep({ name: 'reset' });
        setNotice('If this address belongs to a member, a 6-digit code is on its way to it.');
      } else {
        await ok(api.POST('/v1/password/reset', { body: { email, code, newPassword } }));
        setStep({ name: 'sign-in' });
        setPassword('');
        setNotice('Your password is changed. Sign in with it.');
      }
    });
  };

  const titles = {
    'sign-in': 'Sign in to Funnel CRM',
    'new-password': 'Choose your password',
    mfa: 'Enter the code from your authenticator app',
    forgot: 'Reset your password',
    reset: 'Enter the code from the email',
  } as const;
  const fields = ['body.email', 'body.password', 'body.newPassword', 'body.code'];
  return (
    <main className="sign-in">
      <form onSubmit={onSubmit} noValidate aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{titles[step.name]}</h1>
        {props.expired && step.name === 'sign-in' ? (
          <p className="notice" role="status">
            Your session has ended. Sign in again: what you were typing is kept.
          </p>
        ) : null}
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <Field label="Email" error={submit.field('body.email')}>
          {(control) => (
            <input
              {...control}
              type="email"
              autoComplete="username"
              required
              value={email}
              readOnly={step.name === 'new-password' || step.name === 'mfa'}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        {step.name === 'sign-in' ? (
          <Field label="Password" error={submit.field('body.password')}>
            {(control) => (
              <input
                {...control}
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        {step.name === 'reset' || step.name === 'mfa' ? (
          <Field
            label="Code"
            error={submit.field('body.code')}
            {...(step.name === 'mfa'
              ? { hint: 'The 6 digits your authenticator app shows for Funnel CRM.' }
              : {})}
          >
            {(control) => (
              <input
                {...control}
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        {step.name === 'new-password' || step.name === 'reset' ? (
          <Field
            label="New password"
            error={submit.field('body.newPassword')}
            hint="At least 10 characters, with upper and lower case letters, a digit and a symbol."
          >
            {(control) => (
              <input
                {...control}
                type="password"
                autoComplete="new-password"
                value={newPassword}
                onChange={(e) => setNewPassword(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <FormProblem error={submit.error} fields={fields} />
        <button type="submit" className="primary" disabled={submit.busy}>
          {step.name === 'sign-in'
            ? 'Sign in'
            : step.name === 'mfa'
              ? 'Verify'
              : step.name === 'forgot'
                ? 'Send me a code'
                : 'Save the password'}
        </button>
        {step.name === 'sign-in' ? (
          <button
            type="button"
            className="link"
            onClick={() => {
              submit.clear();
              setNotice(undefined);
              setStep({ name: 'forgot' });
            }}
          >
            Forgot your password?
          </button>
        ) : (
          <button
            type="button"
            className="link"
            onClick={() => {
              submit.clear();
              setNotice(undefined);
              setStep({ name: 'sign-in' });
            }}
          >
            Back to sign-in
          </button>
        )}
      </form>
    </main>
  );
}
