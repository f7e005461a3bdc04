import type { Schemas } from '@funnel/client';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { encode } from 'uqr';
import { api, ok } from '../session.ts';
import { Field, FormProblem, Loading, Page, ProblemMessage, Section, useSubmit } from '../ui.tsx';

/**
 * Two-step sign-in, optional for each member: an authenticator app (TOTP) asked for after the
 * password. Setting it up shows the secret as a QR code and as text, and turns it on only once a
 * code made from it is confirmed, so nobody locks themselves out with a mistyped secret.
 */
export function TwoStepSignIn() {
  const [settings, setSettings] = useState<Schemas['MfaSettings']>();
  const [error, setError] = useState<unknown>();
  const [setup, setSetup] = useState<Schemas['TotpSetup']>();
  const [code, setCode] = useState('');
  const [notice, setNotice] = useState<string>();
  const submit = useSubmit();

  const load = useCallback(async () => {
    try {
      setSettings(await ok(api.GET('/v1/session/mfa')));
    } catch (caught) {
      setError(caught);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const start = () =>
    submit.run(async () => {
      setNotice(undefined);
      setCode('');
      setSetup(await ok(api.POST('/v1/session/mfa/totp')));
    });
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    void submit.run(async () => {
      setSettings(await ok(api.POST('/v1/session/mfa/totp/confirm', { body: { code } })));
      setSetup(undefined);
      setNotice('Two-step sign-in is on: signing in now asks for a code from your app.');
    });
  };
  const turnOff = () =>
    submit.run(async () => {
      await ok(api.DELETE('/v1/session/mfa/totp'));
      setSettings({ totp: 'off' });
      setNotice('Two-step sign-in is off: your password alone signs you in.');
    });

  return (
    <Page title="Two-step sign-in">
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {error ? <ProblemMessage error={error} /> : null}
      {!settings && !error ? <Loading /> : null}
      {settings && !setup ? (
        <Section title={settings.totp === 'on' ? 'On' : 'Off'}>
          {settings.totp === 'on' ? (
            <p>Signing in asks for the code your authenticator app shows, after your password.</p>
          ) : (
            <p>
              Add a second step to signing in: a code from an authenticator app on your phone (Google
              Authenticator, Microsoft Authenticator, 1Password, Authy…). Someone who learns your password
              still cannot sign in.
            </p>
          )}
          <FormProblem error={submit.error} fields={[]} />
          <div className="actions">
            <button type="button" className="primary" disabled={submit.busy} onClick={() => void start()}>
              {settings.totp === 'on' ? 'Move to another authenticator app' : 'Set up an authenticator app'}
            </button>
            {settings.totp === 'on' ? (
              <button type="button" disabled={submit.busy} onClick={() => void turnOff()}>
                Turn two-step sign-in off
              </button>
            ) : null}
          </div>
        </Section>
      ) : null}
      {setup ? (
        <Section title="Set up your authenticator app">
          <ol>
            <li>In your authenticator app, add an account and scan this code.</li>
            <li>Then type the 6-digit code the app shows for Funnel CRM.</li>
          </ol>
          <QrCode text={setup.uri} />
          <p>
            Cannot scan? Enter this key instead: <code className="secret">{grouped(setup.secret)}</code>
          </p>
          <form className="form" onSubmit={confirm} noValidate aria-label="Confirm the authenticator app">
            <Field label="Code from the app" error={submit.field('body.code')}>
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
            <FormProblem error={submit.error} fields={['body.code']} />
            <div className="actions">
              <button type="submit" className="primary" disabled={submit.busy}>
                Turn on
              </button>
              <button
                type="button"
                onClick={() => {
                  submit.clear();
                  setSetup(undefined);
                }}
              >
                Cancel
              </button>
            </div>
          </form>
        </Section>
      ) : null}
    </Page>
  );
}

/** The key in groups of four, as authenticator apps show keys. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/** The otpauth:// URI as a QR code, drawn as SVG (uqr encodes; no inline style, for the CSP). */
function QrCode({ text }: { text: string }) {
  const { data, size } = encode(text, { ecc: 'M', border: 2 });
  const path = data.flatMap((row, y) => row.map((dark, x) => (dark ? `M${x} ${y}h1v1h-1z` : ''))).join('');
  return (
    <svg
      className="qr"
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label="QR code for your authenticator app"
    >
      <path d={path} fill="#000" shapeRendering="crispEdges" />
    </svg>
  );
}
