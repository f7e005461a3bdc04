import { createHash, randomBytes, randomInt, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { PASSWORD_POLICY } from '../../console-site.ts';
import { AwsServiceError } from './errors.ts';
import type { Clock } from './types.ts';

/**
 * Amazon Cognito user pools on one machine: the Cognito Identity Provider calls product code
 * makes (AWS JSON 1.1, `x-amz-target: AWSCognitoIdentityProviderService.*`, served by
 * endpoint.ts), for one user pool and one app client:
 * - AdminCreateUser (an invitation with a temporary password, mailed through the local SES),
 *   AdminGetUser, AdminSetUserPassword, AdminDisableUser, AdminEnableUser, AdminDeleteUser,
 *   AdminUserGlobalSignOut;
 * - InitiateAuth with USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, the NEW_PASSWORD_REQUIRED
 *   challenge answered by RespondToAuthChallenge;
 * - ForgotPassword / ConfirmForgotPassword (a code mailed through the local SES), RevokeToken;
 * - TOTP MFA: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference (with the user's
 *   access token), AdminSetUserMFAPreference, GetUser, and the SOFTWARE_TOKEN_MFA challenge
 *   InitiateAuth answers once a user has turned it on (codes checked with `otpauth`, RFC 6238:
 *   SHA-1, 6 digits, 30 s, one step of drift either way; a code is accepted once).
 * Tokens are RS256 JWTs shaped like Cognito's (ID token with the user's attributes, access token),
 * signed with a key whose JWKS is served at `<issuer>/.well-known/jwks.json`, as Cognito does, so
 * aws-jwt-verify checks them exactly as it checks Cognito's. Passwords and codes are kept only as
 * scrypt hashes; wrong passwords lock the user out as Cognito does (after five failures, for a
 * time that doubles with each further failure, up to 15 minutes).
 */
export interface LocalCognitoOptions {
  userPoolId: string;
  clientId: string;
  /** `iss` of the tokens; the JWKS is served at `<issuer>/.well-known/jwks.json`. */
  issuer: string;
  /** Where invitations and codes are mailed from (Cognito's default sender). */
  sendMail(message: { to: string; subject: string; text: string }): Promise<void>;
  /** Text of the invitation: `{username}` and `{####}` are replaced, as in the pool's template. */
  invitation: { subject: string; text: string };
  /** Users and keys persist here between runs; in memory without it. */
  stateFile?: string;
  clock?: Clock;
}

interface StoredUser {
  username: string;
  sub: string;
  attributes: Record<string, string>;
  status: 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED' | 'RESET_REQUIRED';
  enabled: boolean;
  passwordHash?: string;
  createdAt: string;
  failures: number;
  lockedUntil?: number;
  resetCode?: { hash: string; expires: number; attempts: number };
  /** Refresh tokens (hashed) and when they expire. */
  refreshTokens: Record<string, number>;
  /**
   * The authenticator's shared secret (base32), as Cognito keeps it: it must be readable to
   * check codes, so it cannot be hashed like a password. The state file is private (0600).
   */
  totp?: {
    /** The verified secret, which sign-in codes are checked against. */
    secret?: string;
    /** A secret being associated, until a code made from it is verified. */
    pending?: string;
    enabled: boolean;
    /** The last time step a code was accepted for: a code works once. */
    lastStep?: number;
  };
}

interface State {
  users: Record<string, StoredUser>;
  key?: { private: JWK; public: JWK };
}

type Input = Record<string, unknown>;

/**
 * Cognito's own sender of invitations and codes (a pool without its own SES identity). Amazon
 * verified it, not the operator: the local SES must accept it as verified too.
 */
export const COGNITO_SENDER_EMAIL = 'no-reply@verificationemail.com';

const ID_TOKEN_SECONDS = 3600;
const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;
const SESSION_SECONDS = 180;
const TEMPORARY_PASSWORD_DAYS = 7;
const LOCKOUT_AFTER = 5;
const LOCKOUT_MAX_SECONDS = 900;
/** Wrong MFA codes one sign-in may send before it must start again from the password. */
const MFA_ATTEMPTS = 5;
const TOTP_PERIOD = 30;

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, 32);
  return `${salt.toString('base64url')}.${hash.toString('base64url')}`;
}

async function matches(secret: string, stored: string | undefined): Promise<boolean> {
  if (!stored) return false;
  const [salt, hash] = stored.split('.') as [string, string];
  const candidate = await scryptAsync(secret, Buffer.from(salt, 'base64url'), 32);
  return timingSafeEqual(candidate, Buffer.from(hash, 'base64url'));
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

const error = (code: string, message: string) => new AwsServiceError(code, message, 400);
const notAuthorized = (message = 'Incorrect username or password.') =>
  error('NotAuthorizedException', message);

function policyProblem(password: string): string | undefined {
  if (password.length < PASSWORD_POLICY.minLength) return 'Password not long enough';
  if (!/[a-z]/.test(password)) return 'Password must have lowercase characters';
  if (!/[A-Z]/.test(password)) return 'Password must have uppercase characters';
  if (!/[0-9]/.test(password)) return 'Password must have numeric characters';
  if (!/[^A-Za-z0-9]/.test(password)) return 'Password must have symbol characters';
  return undefined;
}

/** A password that meets the policy, as Cognito generates temporary ones. */
export function generatePassword(): string {
  const pick = (chars: string, n: number) =>
    Array.from({ length: n }, () => chars[randomInt(chars.length)]).join('');
  return `${pick('ABCDEFGHJKLMNPQRSTUVWXYZ', 3)}${pick('abcdefghijkmnopqrstuvwxyz', 5)}${pick('23456789', 3)}${pick('!%*+-=?', 2)}`;
}

export class LocalCognito {
  private state: State = { users: {} };
  private signing?: { kid: string; privateKey: Awaited<ReturnType<typeof importJWK>>; publicJwk: JWK };
  private readonly sessions = new Map<string, { username: string; expires: number; attempts: number }>();
  private readonly clock: Clock;

  constructor(private readonly options: LocalCognitoOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
    if (options.stateFile && existsSync(options.stateFile))
      this.state = JSON.parse(readFileSync(options.stateFile, 'utf8')) as State;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const { publicJwk } = await this.key();
    return { keys: [publicJwk] };
  }

  /** Answers one Cognito Identity Provider operation, or throws what Cognito would. */
  async call(operation: string, input: Input): Promise<unknown> {
    switch (operation) {
      case 'AdminCreateUser':
        return this.adminCreateUser(input);
      case 'AdminGetUser':
        return this.describe(this.user(this.pooled(input)));
      case 'GetUser': {
        const user = await this.bearer(input);
        const { UserCreateDate: _, Enabled: __, UserStatus: ___, ...described } = this.describe(user);
        return described;
      }
      case 'AssociateSoftwareToken':
        return this.associateSoftwareToken(input);
      case 'VerifySoftwareToken':
        return this.verifySoftwareToken(input);
      case 'SetUserMFAPreference':
        return this.setMfaPreference(await this.bearer(input), input);
      case 'AdminSetUserMFAPreference':
        return this.setMfaPreference(this.user(this.pooled(input)), input);
      case 'AdminSetUserPassword':
        return this.adminSetUserPassword(input);
      case 'AdminDisableUser':
      case 'AdminEnableUser': {
        const user = this.user(this.pooled(input));
        user.enabled = operation === 'AdminEnableUser';
        if (!user.enabled) user.refreshTokens = {};
        this.save();
        return {};
      }
      case 'AdminDeleteUser': {
        const username = this.pooled(input);
        this.user(username);
        delete this.state.users[username];
        this.save();
        return {};
      }
      case 'AdminUserGlobalSignOut': {
        this.user(this.pooled(input)).refreshTokens = {};
        this.save();
        return {};
      }
      case 'InitiateAuth':
        return this.initiateAuth(input);
      case 'RespondToAuthChallenge':
        return this.respondToAuthChallenge(input);
      case 'ForgotPassword':
        return this.forgotPassword(input);
      case 'ConfirmForgotPassword':
        return this.confirmForgotPassword(input);
      case 'RevokeToken':
        return this.revokeToken(input);
      default:
        throw error('UnknownOperationException', `The local Cognito does not implement ${operation}.`);
    }
  }

  /** Sets a user's password for good, as an operator would with AdminSetUserPassword. */
  async setPassword(username: string, password: string): Promise<void> {
    await this.adminSetUserPassword({
      UserPoolId: this.options.userPoolId,
      Username: username,
      Password: password,
      Permanent: true,
    });
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private save(): void {
    if (this.options.stateFile)
      writeFileSync(this.options.stateFile, JSON.stringify(this.state), { mode: 0o600 });
  }

  private async key() {
    if (this.signing) return this.signing;
    if (!this.state.key) {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      this.state.key = { private: await exportJWK(privateKey), public: await exportJWK(publicKey) };
      this.save();
    }
    const kid = digest(JSON.stringify(this.state.key.public)).slice(0, 16);
    this.signing = {
      kid,
      privateKey: await importJWK(this.state.key.private, 'RS256'),
      publicJwk: { ...this.state.key.public, kid, alg: 'RS256', use: 'sig' },
    };
    return this.signing;
  }

  private pooled(input: Input): string {
    if (input.UserPoolId !== this.options.userPoolId)
      throw error('ResourceNotFoundException', `User pool ${String(input.UserPoolId)} does not exist.`);
    return this.username(input.Username);
  }

  private client(input: Input): void {
    if (input.ClientId !== this.options.clientId)
      throw error('ResourceNotFoundException', `User pool client ${String(input.ClientId)} does not exist.`);
  }

  private username(value: unknown): string {
    if (typeof value !== 'string' || value.length === 0)
      throw error('InvalidParameterException', 'Username is required.');
    return value.toLowerCase();
  }

  private user(username: string): StoredUser {
    const user = this.state.users[username];
    if (!user) throw error('UserNotFoundException', 'User does not exist.');
    return user;
  }

  private describe(user: StoredUser) {
    const totp = user.totp?.enabled === true;
    return {
      Username: user.username,
      UserAttributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
      UserStatus: user.status,
      Enabled: user.enabled,
      UserCreateDate: new Date(user.createdAt),
      UserMFASettingList: totp ? ['SOFTWARE_TOKEN_MFA'] : [],
      ...(totp ? { PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' } : {}),
    };
  }

  /** The user an access token names, as Cognito checks it for the calls a user makes on themself. */
  private async bearer(input: Input): Promise<StoredUser> {
    const token = String(input.AccessToken ?? '');
    const { publicJwk } = await this.key();
    const claims = await jwtVerify(token, await importJWK(publicJwk, 'RS256'), {
      issuer: this.options.issuer,
      currentDate: this.clock.now(),
    })
      .then((verified) => verified.payload)
      .catch(() => {
        throw notAuthorized('Invalid Access Token');
      });
    if (claims.token_use !== 'access' || claims.client_id !== this.options.clientId)
      throw notAuthorized('Invalid Access Token');
    const user = this.state.users[String(claims.username)];
    if (!user || user.sub !== claims.sub) throw notAuthorized('Invalid Access Token');
    if (!user.enabled) throw notAuthorized('User is disabled.');
    return user;
  }

  private async associateSoftwareToken(input: Input) {
    const user = await this.bearer(input);
    // The secret in use (if any) keeps working until a code from the new one is verified.
    const pending = new Secret({ size: 20 }).base32;
    user.totp = { ...(user.totp ?? { enabled: false }), pending };
    this.save();
    return { SecretCode: pending };
  }

  private async verifySoftwareToken(input: Input) {
    const user = await this.bearer(input);
    const pending = user.totp?.pending;
    if (!user.totp || !pending)
      throw error('InvalidParameterException', 'No software token is being associated with this user.');
    const step = this.acceptedStep(pending, String(input.UserCode ?? ''), undefined);
    if (step === undefined)
      throw error('EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA');
    user.totp = { secret: pending, enabled: user.totp.enabled, lastStep: step };
    this.save();
    return { Status: 'SUCCESS' };
  }

  private setMfaPreference(user: StoredUser, input: Input) {
    const settings = input.SoftwareTokenMfaSettings as { Enabled?: boolean } | undefined;
    if (settings?.Enabled === undefined) return {};
    if (settings.Enabled && !user.totp?.secret)
      throw error('InvalidParameterException', 'User has not verified software token mfa');
    if (user.totp) user.totp.enabled = settings.Enabled;
    this.save();
    return {};
  }

  /** The time step a code matches (now, or one step either side), unless that step was used. */
  private acceptedStep(secret: string, code: string, lastStep: number | undefined): number | undefined {
    if (!/^\d{6}$/.test(code)) return undefined;
    const totp = new TOTP({ secret: Secret.fromBase32(secret), period: TOTP_PERIOD });
    const timestamp = this.now();
    const delta = totp.validate({ token: code, timestamp, window: 1 });
    if (delta === null) return undefined;
    const step = Math.floor(timestamp / 1000 / TOTP_PERIOD) + delta;
    return lastStep !== undefined && step <= lastStep ? undefined : step;
  }

  private async adminCreateUser(input: Input) {
    const username = this.pooled(input);
    if (this.state.users[username])
      throw error('UsernameExistsException', 'An account with the given email already exists.');
    const attributes: Record<string, string> = {};
    for (const attribute of (input.UserAttributes as Array<{ Name: string; Value: string }>) ?? [])
      attributes[attribute.Name] = attribute.Value;
    if (!attributes.email) attributes.email = username;
    const temporary =
      typeof input.TemporaryPassword === 'string' ? input.TemporaryPassword : generatePassword();
    const user: StoredUser = {
      username,
      sub: randomUUID(),
      attributes,
      status: 'FORCE_CHANGE_PASSWORD',
      enabled: true,
      passwordHash: await hashSecret(temporary),
      createdAt: this.clock.now().toISOString(),
      failures: 0,
      refreshTokens: {},
    };
    user.attributes.sub = user.sub;
    this.state.users[username] = user;
    this.save();
    if (input.MessageAction !== 'SUPPRESS') {
      const fill = (text: string) => text.replaceAll('{username}', username).replaceAll('{####}', temporary);
      await this.options.sendMail({
        to: attributes.email,
        subject: fill(this.options.invitation.subject),
        text: fill(this.options.invitation.text),
      });
    }
    return { User: { ...this.describe(user), Attributes: this.describe(user).UserAttributes } };
  }

  private async adminSetUserPassword(input: Input) {
    const user = this.user(this.pooled(input));
    const password = String(input.Password ?? '');
    const problem = policyProblem(password);
    if (problem) throw error('InvalidPasswordException', `Password did not conform with policy: ${problem}`);
    user.passwordHash = await hashSecret(password);
    user.status = input.Permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
    user.failures = 0;
    delete user.lockedUntil;
    this.save();
    return {};
  }

  private async initiateAuth(input: Input) {
    this.client(input);
    const parameters = (input.AuthParameters ?? {}) as Record<string, string>;
    if (input.AuthFlow === 'REFRESH_TOKEN_AUTH' || input.AuthFlow === 'REFRESH_TOKEN') {
      const token = parameters.REFRESH_TOKEN ?? '';
      const hash = digest(token);
      const user = Object.values(this.state.users).find((u) => (u.refreshTokens[hash] ?? 0) > this.now());
      if (!user) throw notAuthorized('Invalid Refresh Token');
      if (!user.enabled) throw notAuthorized('User is disabled.');
      return { AuthenticationResult: await this.tokens(user, false), ChallengeParameters: {} };
    }
    if (input.AuthFlow !== 'USER_PASSWORD_AUTH')
      throw error(
        'InvalidParameterException',
        `The local Cognito does not implement ${String(input.AuthFlow)}.`,
      );
    const username = this.username(parameters.USERNAME);
    const user = this.state.users[username];
    // Unknown users get the same answer as a wrong password (PreventUserExistenceErrors).
    if (!user) {
      await hashSecret(parameters.PASSWORD ?? '');
      throw notAuthorized();
    }
    if (user.lockedUntil && user.lockedUntil > this.now()) throw notAuthorized('Password attempts exceeded');
    if (!(await matches(parameters.PASSWORD ?? '', user.passwordHash))) {
      user.failures++;
      if (user.failures >= LOCKOUT_AFTER) {
        const seconds = Math.min(2 ** (user.failures - LOCKOUT_AFTER), LOCKOUT_MAX_SECONDS);
        user.lockedUntil = this.now() + seconds * 1000;
      }
      this.save();
      throw notAuthorized(user.failures > LOCKOUT_AFTER ? 'Password attempts exceeded' : undefined);
    }
    if (!user.enabled) throw notAuthorized('User is disabled.');
    user.failures = 0;
    delete user.lockedUntil;
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      const expires = Date.parse(user.createdAt) + TEMPORARY_PASSWORD_DAYS * 86_400_000;
      if (expires < this.now())
        throw notAuthorized('Temporary password has expired and must be reset by an administrator.');
      this.save();
      return {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: this.openSession(username),
        ChallengeParameters: { USER_ID_FOR_SRP: username, requiredAttributes: '[]', userAttributes: '{}' },
      };
    }
    if (user.status === 'RESET_REQUIRED')
      throw error('PasswordResetRequiredException', 'Password reset required for the user');
    this.save();
    return this.signedIn(user);
  }

  /** Tokens, or first the authenticator's code when the user turned MFA on. */
  private async signedIn(user: StoredUser) {
    if (user.totp?.enabled && user.totp.secret)
      return {
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: this.openSession(user.username),
        ChallengeParameters: { USER_ID_FOR_SRP: user.username },
      };
    return { AuthenticationResult: await this.tokens(user, true), ChallengeParameters: {} };
  }

  private openSession(username: string): string {
    const session = randomBytes(48).toString('base64url');
    this.sessions.set(digest(session), {
      username,
      expires: this.now() + SESSION_SECONDS * 1000,
      attempts: 0,
    });
    return session;
  }

  private async respondToAuthChallenge(input: Input) {
    this.client(input);
    const challenge = input.ChallengeName;
    if (challenge !== 'NEW_PASSWORD_REQUIRED' && challenge !== 'SOFTWARE_TOKEN_MFA')
      throw error('InvalidParameterException', `The local Cognito does not implement ${String(challenge)}.`);
    const key = digest(String(input.Session ?? ''));
    const session = this.sessions.get(key);
    if (!session || session.expires < this.now())
      throw notAuthorized('Invalid session for the user, session is expired.');
    const responses = (input.ChallengeResponses ?? {}) as Record<string, string>;
    if (this.username(responses.USERNAME) !== session.username)
      throw notAuthorized('Invalid session for the user.');
    const user = this.user(session.username);
    if (!user.enabled) throw notAuthorized('User is disabled.');
    if (challenge === 'SOFTWARE_TOKEN_MFA') {
      const secret = user.totp?.secret;
      const step = secret
        ? this.acceptedStep(secret, String(responses.SOFTWARE_TOKEN_MFA_CODE ?? ''), user.totp?.lastStep)
        : undefined;
      if (step === undefined) {
        session.attempts++;
        if (session.attempts >= MFA_ATTEMPTS) this.sessions.delete(key);
        throw error('CodeMismatchException', 'Invalid code received for user');
      }
      this.sessions.delete(key);
      user.totp = { ...user.totp!, lastStep: step };
      this.save();
      return { AuthenticationResult: await this.tokens(user, true), ChallengeParameters: {} };
    }
    const password = responses.NEW_PASSWORD ?? '';
    const problem = policyProblem(password);
    if (problem) throw error('InvalidPasswordException', `Password does not conform to policy: ${problem}`);
    this.sessions.delete(key);
    user.passwordHash = await hashSecret(password);
    user.status = 'CONFIRMED';
    this.save();
    return this.signedIn(user);
  }

  private async forgotPassword(input: Input) {
    this.client(input);
    const user = this.state.users[this.username(input.Username)];
    const destination = 'e***@e***';
    // Unknown users answer as if mailed (PreventUserExistenceErrors).
    if (!user?.enabled)
      return {
        CodeDeliveryDetails: { DeliveryMedium: 'EMAIL', AttributeName: 'email', Destination: destination },
      };
    const code = String(randomInt(1_000_000)).padStart(6, '0');
    user.resetCode = { hash: await hashSecret(code), expires: this.now() + 3600_000, attempts: 0 };
    this.save();
    await this.options.sendMail({
      to: user.attributes.email ?? user.username,
      subject: 'Your verification code',
      text: `Your password reset code is ${code}. It is valid for one hour.`,
    });
    const email = user.attributes.email ?? user.username;
    return {
      CodeDeliveryDetails: {
        DeliveryMedium: 'EMAIL',
        AttributeName: 'email',
        Destination: `${email[0]}***@${email.split('@')[1]?.[0] ?? ''}***`,
      },
    };
  }

  private async confirmForgotPassword(input: Input) {
    this.client(input);
    const user = this.state.users[this.username(input.Username)];
    const code = user?.resetCode;
    if (!user || !code)
      throw error('CodeMismatchException', 'Invalid verification code provided, please try again.');
    if (code.expires < this.now())
      throw error('ExpiredCodeException', 'Invalid code provided, please request a code again.');
    if (code.attempts >= LOCKOUT_AFTER)
      throw error('LimitExceededException', 'Attempt limit exceeded, please try after some time.');
    if (!(await matches(String(input.ConfirmationCode ?? ''), code.hash))) {
      code.attempts++;
      this.save();
      throw error('CodeMismatchException', 'Invalid verification code provided, please try again.');
    }
    const password = String(input.Password ?? '');
    const problem = policyProblem(password);
    if (problem) throw error('InvalidPasswordException', `Password does not conform to policy: ${problem}`);
    user.passwordHash = await hashSecret(password);
    user.status = 'CONFIRMED';
    user.failures = 0;
    delete user.lockedUntil;
    delete user.resetCode;
    user.refreshTokens = {};
    this.save();
    return {};
  }

  private revokeToken(input: Input) {
    this.client(input);
    const hash = digest(String(input.Token ?? ''));
    for (const user of Object.values(this.state.users)) {
      if (hash in user.refreshTokens) {
        delete user.refreshTokens[hash];
        this.save();
      }
    }
    return {};
  }

  private async tokens(user: StoredUser, withRefreshToken: boolean) {
    const { kid, privateKey } = await this.key();
    const now = Math.floor(this.now() / 1000);
    const originJti = randomUUID();
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(this.options.issuer)
        .setSubject(user.sub)
        .setIssuedAt(now)
        .setExpirationTime(now + ID_TOKEN_SECONDS)
        .setJti(randomUUID())
        .sign(privateKey);
    const { sub: _sub, ...attributes } = user.attributes;
    const idToken = await sign({
      ...attributes,
      email_verified: attributes.email_verified === 'true',
      aud: this.options.clientId,
      token_use: 'id',
      auth_time: now,
      'cognito:username': user.username,
      origin_jti: originJti,
    });
    const accessToken = await sign({
      client_id: this.options.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: now,
      username: user.username,
      origin_jti: originJti,
    });
    let refreshToken: string | undefined;
    if (withRefreshToken) {
      refreshToken = randomBytes(96).toString('base64url');
      for (const [hash, expires] of Object.entries(user.refreshTokens))
        if (expires <= this.now()) delete user.refreshTokens[hash];
      user.refreshTokens[digest(refreshToken)] = this.now() + REFRESH_TOKEN_SECONDS * 1000;
      this.save();
    }
    return {
      IdToken: idToken,
      AccessToken: accessToken,
      ...(refreshToken ? { RefreshToken: refreshToken } : {}),
      ExpiresIn: ID_TOKEN_SECONDS,
      TokenType: 'Bearer',
    };
  }
}
