import { createLocalJWKSet, jwtVerify } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { LocalCognito } from '../../../infra/local/aws/cognito.ts';

/** The Cognito stand-in on its own: what product code and the browser tests rely on. */
function pool(now = { t: Date.parse('2026-12-01T09:00:00Z') }) {
  const mails: Array<{ to: string; subject: string; text: string }> = [];
  const cognito = new LocalCognito({
    userPoolId: 'us-east-1_test',
    clientId: 'client',
    issuer: 'http://127.0.0.1:1/us-east-1_test',
    invitation: { subject: 'Invited', text: 'user {username} password {####}' },
    sendMail: async (mail) => {
      mails.push(mail);
    },
    clock: { now: () => new Date(now.t) },
  });
  return { cognito, mails, now };
}

const signIn = (cognito: LocalCognito, password: string, username = 'ada@acme.example') =>
  cognito.call('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: 'client',
    AuthParameters: { USERNAME: username, PASSWORD: password },
  }) as Promise<Record<string, any>>;

async function invite(cognito: LocalCognito, mails: Array<{ text: string }>) {
  await cognito.call('AdminCreateUser', {
    UserPoolId: 'us-east-1_test',
    Username: 'Ada@Acme.example',
    UserAttributes: [
      { Name: 'email', Value: 'ada@acme.example' },
      { Name: 'custom:tenant_id', Value: 'T1' },
    ],
  });
  return /password (\S+)/.exec(mails.at(-1)!.text)![1]!;
}

describe('the local Cognito user pool', () => {
  it('mails an invitation whose temporary password asks for a new one, then issues tokens its JWKS verifies', async () => {
    const { cognito, mails, now } = pool();
    const temporary = await invite(cognito, mails);
    expect(mails[0]).toMatchObject({ to: 'ada@acme.example', subject: 'Invited' });
    const challenge = await signIn(cognito, temporary);
    expect(challenge.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    await expect(
      cognito.call('RespondToAuthChallenge', {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        ClientId: 'client',
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: 'ada@acme.example', NEW_PASSWORD: 'weak' },
      }),
    ).rejects.toMatchObject({ code: 'InvalidPasswordException' });
    const answer = (await cognito.call('RespondToAuthChallenge', {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      ClientId: 'client',
      Session: challenge.Session,
      ChallengeResponses: { USERNAME: 'ada@acme.example', NEW_PASSWORD: 'Strong-Pass-42' },
    })) as Record<string, any>;
    const { payload } = await jwtVerify(
      answer.AuthenticationResult.IdToken,
      createLocalJWKSet(await cognito.jwks()),
      {
        issuer: 'http://127.0.0.1:1/us-east-1_test',
        audience: 'client',
        currentDate: new Date(now.t),
      },
    );
    expect(payload).toMatchObject({ token_use: 'id', email: 'ada@acme.example', 'custom:tenant_id': 'T1' });
    expect(answer.AuthenticationResult.RefreshToken).toBeDefined();
  });

  it('locks a user out after five wrong passwords, for longer with each further one, as Cognito does', async () => {
    const { cognito, mails, now } = pool();
    await invite(cognito, mails);
    await cognito.setPassword('ada@acme.example', 'Strong-Pass-42');
    for (let attempt = 1; attempt <= 5; attempt++)
      await expect(signIn(cognito, 'Wrong-Pass-1')).rejects.toMatchObject({
        code: 'NotAuthorizedException',
        message: 'Incorrect username or password.',
      });
    // Locked: even the right password is refused until the lockout ends.
    await expect(signIn(cognito, 'Strong-Pass-42')).rejects.toMatchObject({
      message: 'Password attempts exceeded',
    });
    now.t += 1_500;
    await expect(signIn(cognito, 'Wrong-Pass-1')).rejects.toMatchObject({
      message: 'Password attempts exceeded',
    });
    now.t += 1_500;
    await expect(signIn(cognito, 'Strong-Pass-42')).rejects.toMatchObject({
      message: 'Password attempts exceeded',
    });
    now.t += 1_000;
    expect((await signIn(cognito, 'Strong-Pass-42')).AuthenticationResult.IdToken).toBeDefined();
  });

  it('answers an unknown user like a wrong password, and mails reset codes only to real ones', async () => {
    const { cognito, mails } = pool();
    await expect(signIn(cognito, 'Anything-1', 'nobody@acme.example')).rejects.toMatchObject({
      message: 'Incorrect username or password.',
    });
    await cognito.call('ForgotPassword', { ClientId: 'client', Username: 'nobody@acme.example' });
    expect(mails).toHaveLength(0);
    await invite(cognito, mails);
    await cognito.call('ForgotPassword', { ClientId: 'client', Username: 'ada@acme.example' });
    const code = /code is (\d{6})/.exec(mails.at(-1)!.text)![1]!;
    await expect(
      cognito.call('ConfirmForgotPassword', {
        ClientId: 'client',
        Username: 'ada@acme.example',
        ConfirmationCode: code === '000000' ? '111111' : '000000',
        Password: 'Brand-New-Pass-1',
      }),
    ).rejects.toMatchObject({ code: 'CodeMismatchException' });
    await cognito.call('ConfirmForgotPassword', {
      ClientId: 'client',
      Username: 'ada@acme.example',
      ConfirmationCode: code,
      Password: 'Brand-New-Pass-1',
    });
    expect((await signIn(cognito, 'Brand-New-Pass-1')).AuthenticationResult).toBeDefined();
  });

  it('stops refreshing a session once its token is revoked or the user disabled', async () => {
    const { cognito, mails } = pool();
    await invite(cognito, mails);
    await cognito.setPassword('ada@acme.example', 'Strong-Pass-42');
    const refreshToken = (await signIn(cognito, 'Strong-Pass-42')).AuthenticationResult
      .RefreshToken as string;
    const refresh = () =>
      cognito.call('InitiateAuth', {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: 'client',
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }) as Promise<Record<string, any>>;
    expect((await refresh()).AuthenticationResult.IdToken).toBeDefined();
    await cognito.call('RevokeToken', { ClientId: 'client', Token: refreshToken });
    await expect(refresh()).rejects.toMatchObject({ code: 'NotAuthorizedException' });
    await cognito.call('AdminDisableUser', { UserPoolId: 'us-east-1_test', Username: 'ada@acme.example' });
    await expect(signIn(cognito, 'Strong-Pass-42')).rejects.toMatchObject({ message: 'User is disabled.' });
  });

  it('turns on TOTP MFA only with a code from the new secret, then asks for a code at sign-in and takes each code once', async () => {
    const { cognito, mails, now } = pool();
    await invite(cognito, mails);
    await cognito.setPassword('ada@acme.example', 'Strong-Pass-42');
    const { AccessToken } = (await signIn(cognito, 'Strong-Pass-42')).AuthenticationResult;
    await expect(
      cognito.call('SetUserMFAPreference', { AccessToken, SoftwareTokenMfaSettings: { Enabled: true } }),
    ).rejects.toMatchObject({ code: 'InvalidParameterException' });

    const { SecretCode } = (await cognito.call('AssociateSoftwareToken', { AccessToken })) as {
      SecretCode: string;
    };
    const app = new TOTP({ secret: Secret.fromBase32(SecretCode) });
    const code = (offsetSeconds = 0) => app.generate({ timestamp: now.t + offsetSeconds * 1000 });
    const wrong = String((Number(code()) + 1) % 1_000_000).padStart(6, '0');
    await expect(cognito.call('VerifySoftwareToken', { AccessToken, UserCode: wrong })).rejects.toMatchObject(
      { code: 'EnableSoftwareTokenMFAException' },
    );
    expect(await cognito.call('VerifySoftwareToken', { AccessToken, UserCode: code() })).toEqual({
      Status: 'SUCCESS',
    });
    // Verified is not yet on: the password alone still signs in.
    expect((await signIn(cognito, 'Strong-Pass-42')).AuthenticationResult).toBeDefined();
    await cognito.call('SetUserMFAPreference', {
      AccessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    });
    expect(await cognito.call('GetUser', { AccessToken })).toMatchObject({
      Username: 'ada@acme.example',
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA'],
    });

    const challenge = await signIn(cognito, 'Strong-Pass-42');
    expect(challenge).toMatchObject({ ChallengeName: 'SOFTWARE_TOKEN_MFA' });
    expect(challenge.AuthenticationResult).toBeUndefined();
    const answer = (responseCode: string, session = challenge.Session) =>
      cognito.call('RespondToAuthChallenge', {
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        ClientId: 'client',
        Session: session,
        ChallengeResponses: { USERNAME: 'ada@acme.example', SOFTWARE_TOKEN_MFA_CODE: responseCode },
      }) as Promise<Record<string, any>>;
    // The code that confirmed the app was used once already.
    await expect(answer(code())).rejects.toMatchObject({ code: 'CodeMismatchException' });
    now.t += 30_000;
    expect((await answer(code())).AuthenticationResult.IdToken).toBeDefined();

    now.t += 30_000;
    const again = await signIn(cognito, 'Strong-Pass-42');
    for (let attempt = 1; attempt <= 5; attempt++)
      await expect(answer(wrong, again.Session)).rejects.toMatchObject({ code: 'CodeMismatchException' });
    await expect(answer(code(), again.Session)).rejects.toMatchObject({ code: 'NotAuthorizedException' });

    await cognito.call('AdminSetUserMFAPreference', {
      UserPoolId: 'us-east-1_test',
      Username: 'ada@acme.example',
      SoftwareTokenMfaSettings: { Enabled: false },
    });
    expect((await signIn(cognito, 'Strong-Pass-42')).AuthenticationResult).toBeDefined();
  });

  it('refuses an access token it did not sign, and an ID token in place of an access token', async () => {
    const { cognito, mails } = pool();
    await invite(cognito, mails);
    await expect(cognito.call('AssociateSoftwareToken', { AccessToken: 'a.b.c' })).rejects.toMatchObject({
      code: 'NotAuthorizedException',
    });
    await cognito.setPassword('ada@acme.example', 'Strong-Pass-42');
    const { IdToken } = (await signIn(cognito, 'Strong-Pass-42')).AuthenticationResult;
    await expect(cognito.call('GetUser', { AccessToken: IdToken })).rejects.toMatchObject({
      code: 'NotAuthorizedException',
    });
  });
});
