/**
 * Who is calling: OpenTera's three auth layers as one object, answering either an
 * authenticated principal or a Refusal that http/replies.ts renders with OpenTera's status
 * and body. Passwords are checked by PasswordChecks under the LoginThrottle's limits; tokens
 * through TokenService and the Revocations seam; accounts are re-read from the database on
 * every request. Every refused credential is audited (`login_failed`, with its reason), and so
 * is the failure that reaches a limit (`lockout`); a request without credentials is not.
 */
import type { Audit, LoginFailure } from '../audit.js';
import type { PrincipalKind } from '../principal.js';
import type { Revocations } from '../seams/revocations/revocations.js';
import type { Accounts, DeviceAccount, ParticipantAccount, UserAccount } from './accounts.js';
import { readCredentials, secretsEqual, splitScheme } from './credentials.js';
import type { LoginThrottle, PasswordKind } from './lockout.js';
import type { PasswordChecks } from './password-checks.js';
import type { LastOnline } from './last-online.js';
import type { ParticipantClaims, TokenService, UserClaims } from './tokens.js';

export type Refusal =
  /** 401, text `Unauthorized` (Flask-HTTPAuth's answer). */
  | { readonly refusal: 'unauthorized' }
  /** 401, JSON `{"message": …}`: Basic auth on an API endpoint for a user who must log in first. */
  | { readonly refusal: 'login-first'; readonly message: string }
  /** 403, text `Unauthorized`: authenticated, but with a static participant token where a full one is needed. */
  | { readonly refusal: 'insufficient-role' }
  /** 429: too many failed passwords from this address. */
  | { readonly refusal: 'throttled'; readonly retryAfterSeconds: number }
  /** 401 with a JSON string body, from the device layer: `Unauthorized`, `Invalid token`, `Disabled device`. */
  | { readonly refusal: 'device'; readonly message: string };

export interface AuthRequest {
  authorization: string | string[] | undefined;
  /** The client address (the forwarded one behind a trusted proxy). */
  address: string;
}

export interface UserAuth {
  readonly kind: 'user';
  readonly account: UserAccount;
  /** The token presented, when authenticated by token (with its claims). */
  readonly token?: { readonly value: string; readonly claims: UserClaims };
}

export interface ParticipantAuth {
  readonly kind: 'participant';
  readonly account: ParticipantAccount;
  /** Basic or dynamic token: OpenTera's `full` role; the static token gives `limited` only. */
  readonly full: boolean;
  readonly via: 'basic' | 'static-token' | 'dynamic-token';
  readonly token?: { readonly value: string; readonly claims: ParticipantClaims | null };
}

export interface DeviceAuth {
  readonly kind: 'device';
  readonly account: DeviceAccount;
}

export const isRefusal = (v: object): v is Refusal => 'refusal' in v;

const UNAUTHORIZED: Refusal = { refusal: 'unauthorized' };
export const MUST_CHANGE_PASSWORD = 'Unauthorized - User must login first to change password';
export const MUST_USE_2FA = 'Unauthorized - 2FA is enabled, must login first and use token';

export interface AuthenticatorParts {
  accounts: Accounts;
  throttle: LoginThrottle;
  passwords: PasswordChecks;
  tokens: TokenService;
  revocations: Revocations;
  audit: Audit;
  lastOnline: LastOnline;
}

export class Authenticator {
  readonly accounts: Accounts;
  readonly throttle: LoginThrottle;
  /** The audit log, for the login routes to record what they answer. */
  readonly audit: Audit;
  /** Where successful logins are noted (`*_lastonline`, written off the login path). */
  readonly lastOnline: LastOnline;
  private readonly passwords: PasswordChecks;
  private readonly tokens: TokenService;
  private readonly revocations: Revocations;

  constructor(parts: AuthenticatorParts) {
    this.accounts = parts.accounts;
    this.throttle = parts.throttle;
    this.passwords = parts.passwords;
    this.tokens = parts.tokens;
    this.revocations = parts.revocations;
    this.audit = parts.audit;
    this.lastOnline = parts.lastOnline;
  }

  /** Audits a refused credential and returns `refusal`. */
  private refuse(
    kind: PrincipalKind,
    reason: LoginFailure,
    address: string,
    uuid?: string,
    refusal: Refusal = UNAUTHORIZED,
  ): Refusal {
    this.audit.loginFailed({ kind, reason, address, uuid });
    return refusal;
  }

  /** After a failed check: audits a failure limit it has just reached. Never throws. */
  private async auditLockout(
    kind: PasswordKind,
    key: string,
    address: string,
    uuid: string | undefined,
  ): Promise<void> {
    const verdict = await this.throttle.peek(kind, key, address).catch(() => 'ok' as const);
    if (verdict === 'ok') return;
    const scope = verdict === 'locked' ? 'account' : 'address';
    this.audit.lockout({ kind, scope, address, uuid });
  }

  /**
   * A password check under the throttle's limits. `find` loads the account (null: unknown name);
   * `usable` says whether a found account may log in (enabled…), checked after the password so
   * that timing does not tell a disabled account from a wrong password.
   */
  private async password<A extends { uuid: string; passwordHash: string | null }>(
    kind: PasswordKind,
    username: string,
    password: string,
    address: string,
    find: (username: string) => Promise<A | null>,
    usable: (account: A) => boolean,
  ): Promise<A | Refusal> {
    const account = await find(username);
    const key = account ? account.uuid : `name:${encodeURIComponent(username)}`;
    const outcome = await this.passwords.check(
      kind,
      key,
      address,
      password,
      account?.passwordHash ?? null,
    );
    const uuid = account?.uuid;
    if (outcome === 'throttled')
      return this.refuse(kind, 'throttled', address, uuid, {
        refusal: 'throttled',
        retryAfterSeconds: this.throttle.retryAfterSeconds,
      });
    if (outcome === 'locked') return this.refuse(kind, 'locked', address, uuid);
    if (outcome === 'match' && account && usable(account)) {
      await this.throttle.success(kind, key, address);
      return account;
    }
    // A failed check stays counted as a failure.
    const reason = !account ? 'unknown_account' : outcome === 'match' ? 'disabled' : 'bad_password';
    const refusal = this.refuse(kind, reason, address, uuid);
    await this.auditLockout(kind, key, address, uuid);
    return refusal;
  }

  /**
   * A user, by Basic and/or token as `schemes` allows. With `login` false (every endpoint but
   * /api/user/login), Basic is refused to users who must change their password or use 2FA.
   */
  async user(
    req: AuthRequest,
    schemes: { basic: boolean; token: boolean; login: boolean },
  ): Promise<UserAuth | Refusal> {
    const c = readCredentials(req.authorization);
    if (c.scheme === 'basic' && schemes.basic) {
      const found = await this.password(
        'user',
        c.username,
        c.password,
        req.address,
        (u) => this.accounts.userByUsername(u),
        (a) => a.enabled,
      );
      if (isRefusal(found)) return found;
      if (!schemes.login && found.forcePasswordChange)
        return { refusal: 'login-first', message: MUST_CHANGE_PASSWORD };
      if (!schemes.login && found.twoFactorEnabled)
        return { refusal: 'login-first', message: MUST_USE_2FA };
      this.lastOnline.note('user', found.id);
      return { kind: 'user', account: found };
    }
    if (c.scheme === 'token' && schemes.token) {
      const address = req.address;
      if (await this.revocations.isRevoked('user', c.token))
        return this.refuse('user', 'revoked_token', address);
      const claims = await this.tokens.verifyUser(c.token);
      if (!claims) return this.refuse('user', 'bad_token', address);
      const account = await this.accounts.userByUuid(claims.user_uuid);
      if (!account) return this.refuse('user', 'unknown_account', address, claims.user_uuid);
      if (!account.enabled) return this.refuse('user', 'disabled', address, account.uuid);
      return { kind: 'user', account, token: { value: c.token, claims } };
    }
    return UNAUTHORIZED;
  }

  /** A participant, by Basic and/or token; `full` refuses the static token with 403. */
  async participant(
    req: AuthRequest,
    schemes: { basic: boolean; token: boolean; full: boolean },
  ): Promise<ParticipantAuth | Refusal> {
    const c = readCredentials(req.authorization);
    let auth: ParticipantAuth | Refusal = UNAUTHORIZED;
    if (c.scheme === 'basic' && schemes.basic) {
      const found = await this.password(
        'participant',
        c.username,
        c.password,
        req.address,
        (u) => this.accounts.participantByUsername(u),
        (a) => a.enabled && a.loginEnabled && a.passwordHash !== null,
      );
      auth = isRefusal(found)
        ? found
        : { kind: 'participant', account: found, full: true, via: 'basic' };
    } else if (c.scheme === 'token' && schemes.token) {
      auth = await this.participantToken(c.token, req.address);
    }
    if (isRefusal(auth)) return auth;
    if (schemes.full && !auth.full) return { refusal: 'insufficient-role' };
    return auth;
  }

  private async participantToken(
    token: string,
    address: string,
  ): Promise<ParticipantAuth | Refusal> {
    const byStatic = await this.accounts.participantByStaticToken(token);
    if (byStatic && byStatic.enabled && byStatic.tokenEnabled && byStatic.staticToken !== null) {
      const uuid = await this.tokens.verifyParticipantStatic(token);
      if (
        uuid !== null &&
        secretsEqual(uuid, byStatic.uuid) &&
        secretsEqual(token, byStatic.staticToken)
      )
        return {
          kind: 'participant',
          account: byStatic,
          full: false,
          via: 'static-token',
          token: { value: token, claims: null },
        };
    }
    if (await this.revocations.isRevoked('participant', token))
      return this.refuse('participant', 'revoked_token', address);
    const claims = await this.tokens.verifyParticipant(token);
    if (!claims) return this.refuse('participant', 'bad_token', address);
    const uuid = claims.participant_uuid;
    const account = await this.accounts.participantByUuid(uuid);
    // As in OpenTera, login_enabled is not required on the dynamic-token path.
    if (!account) return this.refuse('participant', 'unknown_account', address, uuid);
    if (!account.enabled) return this.refuse('participant', 'disabled', address, uuid);
    return {
      kind: 'participant',
      account,
      full: true,
      via: 'dynamic-token',
      token: { value: token, claims },
    };
  }

  /**
   * A device, by `Authorization: OpenTera <token>` then `?token=` (OpenTera's order; client
   * certificates are not supported and a client-sent `X-Device-Uuid` is ignored).
   */
  async device(
    req: AuthRequest & { queryToken: string | undefined },
  ): Promise<DeviceAuth | Refusal> {
    const { authorization: header, address } = req;
    if (header !== undefined) {
      const parts = typeof header === 'string' ? splitScheme(header) : null;
      if (!parts)
        return this.refuse('device', 'bad_token', address, undefined, {
          refusal: 'device',
          message: 'Invalid token',
        });
      const [scheme, token] = parts;
      if (scheme.toLowerCase() === 'opentera') {
        const device = await this.deviceByToken(token);
        if (device && device.enabled) return { kind: 'device', account: device };
        if (device)
          return this.refuse('device', 'disabled', address, device.uuid, {
            refusal: 'device',
            message: 'Disabled device',
          });
      }
    }
    if (req.queryToken !== undefined) {
      const device = await this.deviceByToken(req.queryToken);
      if (device && device.enabled) return { kind: 'device', account: device };
    }
    const refusal: Refusal = { refusal: 'device', message: 'Unauthorized' };
    const presented = header !== undefined || req.queryToken !== undefined;
    return presented ? this.refuse('device', 'bad_token', address, undefined, refusal) : refusal;
  }

  /** The device whose stored static token this is and whose signature names it. */
  private async deviceByToken(token: string): Promise<DeviceAccount | null> {
    if (token.length === 0 || token.length > 8192) return null;
    const device = await this.accounts.deviceByToken(token);
    if (!device || device.token === null || !secretsEqual(device.token, token)) return null;
    const uuid = await this.tokens.verifyDeviceStatic(token);
    return uuid !== null && secretsEqual(uuid, device.uuid) ? device : null;
  }
}
