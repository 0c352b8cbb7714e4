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
import type { DeviceLoginRow } from '../store/queries/login.js';
import type { LoginCatalog } from '../store/cache.js';
import type { LastOnline } from './last-online.js';
import { Prefetch } from './prefetch.js';
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

/** A device logging in: what its answer lists, and the work started alongside (deviceLogin). */
export interface DeviceLoginAuth<T> extends DeviceAuth {
  readonly login: DeviceLoginRow;
  readonly prefetched: Promise<T>;
}

/** What device authentication reads: the header, else the `token` query argument. */
export type DeviceAuthRequest = AuthRequest & { queryToken: string | undefined };

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
  catalog: LoginCatalog;
}

export class Authenticator {
  readonly accounts: Accounts;
  readonly throttle: LoginThrottle;
  /** The audit log, for the login routes to record what they answer. */
  readonly audit: Audit;
  /** Where successful logins are noted (`*_lastonline`, written off the login path). */
  readonly lastOnline: LastOnline;
  /** What login answers repeat (session types, device type names), kept between logins. */
  readonly catalog: LoginCatalog;
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
    this.catalog = parts.catalog;
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
      // The signature first (no I/O); then the revocation and the account, read together.
      const claims = await this.tokens.verifyUser(c.token);
      const [revoked, account] = await Promise.all([
        this.revocations.isRevoked('user', c.token),
        claims ? this.accounts.userByUuid(claims.user_uuid) : null,
      ]);
      if (revoked) return this.refuse('user', 'revoked_token', address);
      if (!claims) return this.refuse('user', 'bad_token', address);
      if (!account) return this.refuse('user', 'unknown_account', address, claims.user_uuid);
      if (!account.enabled) return this.refuse('user', 'disabled', address, account.uuid);
      return { kind: 'user', account, token: { value: c.token, claims } };
    }
    return UNAUTHORIZED;
  }

  /**
   * A participant logging in: as participant(), with `prefetch` run for its uuid, started as
   * soon as a token's signature names it, alongside the account read (./prefetch.ts).
   */
  async participantLogin<T>(
    req: AuthRequest,
    schemes: { basic: boolean; token: boolean; full: boolean },
    prefetch: (uuid: string) => Promise<T>,
  ): Promise<(ParticipantAuth & { readonly prefetched: Promise<T> }) | Refusal> {
    const ahead = new Prefetch(prefetch);
    const auth = await this.participant(req, schemes, ahead);
    return isRefusal(auth) ? auth : { ...auth, prefetched: ahead.of(auth.account.uuid) };
  }

  /** A participant, by Basic and/or token; `full` refuses the static token with 403. */
  async participant(
    req: AuthRequest,
    schemes: { basic: boolean; token: boolean; full: boolean },
    ahead?: Prefetch<unknown>,
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
      auth = await this.participantToken(c.token, req.address, ahead);
    }
    if (isRefusal(auth)) return auth;
    if (schemes.full && !auth.full) return { refusal: 'insufficient-role' };
    return auth;
  }

  /**
   * A static token (signed with the static key and stored as the participant's), else a
   * dynamic one. The signature is checked before any read, and a dynamic token's revocation
   * and account are read together.
   */
  private async participantToken(
    token: string,
    address: string,
    ahead?: Prefetch<unknown>,
  ): Promise<ParticipantAuth | Refusal> {
    const staticUuid = await this.tokens.verifyParticipantStatic(token);
    if (staticUuid !== null) {
      ahead?.start(staticUuid);
      const byStatic = await this.accounts.participantByStaticToken(token);
      if (
        byStatic &&
        byStatic.enabled &&
        byStatic.tokenEnabled &&
        byStatic.staticToken !== null &&
        secretsEqual(staticUuid, byStatic.uuid) &&
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
    const claims = await this.tokens.verifyParticipant(token);
    const uuid = claims?.participant_uuid;
    if (uuid !== undefined) ahead?.start(uuid);
    const [isRevoked, account] = await Promise.all([
      this.revocations.isRevoked('participant', token),
      uuid !== undefined ? this.accounts.participantByUuid(uuid) : null,
    ]);
    if (isRevoked) return this.refuse('participant', 'revoked_token', address);
    if (!claims || uuid === undefined) return this.refuse('participant', 'bad_token', address);
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
  async device(req: DeviceAuthRequest): Promise<DeviceAuth | Refusal> {
    const found = await this.deviceBy(req, async (token) => {
      const account = await this.accounts.deviceByToken(token);
      return account && { account };
    });
    return isRefusal(found) ? found : { kind: 'device', account: found.account };
  }

  /**
   * A device logging in: as device(), reading in the same query what its login answers (its
   * row, participants and projects). `prefetch` runs for the uuid the token's signature names
   * while the device is read (e.g. whether it is online: ./prefetch.ts), so the login waits for
   * one round; a rejection is the caller's, when it awaits `prefetched`.
   */
  async deviceLogin<T>(
    req: DeviceAuthRequest,
    prefetch: (uuid: string) => Promise<T>,
  ): Promise<DeviceLoginAuth<T> | Refusal> {
    const ahead = new Prefetch(prefetch);
    const found = await this.deviceBy(req, (token, uuid) => {
      ahead.start(uuid);
      return this.accounts.deviceLoginByToken(token);
    });
    if (isRefusal(found)) return found;
    const { account, login } = found;
    return { kind: 'device', account, login, prefetched: ahead.of(account.uuid) };
  }

  /** The device authenticated by the request's header token, else its query token, read by `find`. */
  private async deviceBy<F extends { account: DeviceAccount }>(
    req: DeviceAuthRequest,
    find: (token: string, uuid: string) => Promise<F | null>,
  ): Promise<F | Refusal> {
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
        const found = await this.deviceByToken(token, find);
        if (found && found.account.enabled) return found;
        if (found)
          return this.refuse('device', 'disabled', address, found.account.uuid, {
            refusal: 'device',
            message: 'Disabled device',
          });
      }
    }
    if (req.queryToken !== undefined) {
      const found = await this.deviceByToken(req.queryToken, find);
      if (found && found.account.enabled) return found;
    }
    const refusal: Refusal = { refusal: 'device', message: 'Unauthorized' };
    const presented = header !== undefined || req.queryToken !== undefined;
    return presented ? this.refuse('device', 'bad_token', address, undefined, refusal) : refusal;
  }

  /**
   * The device whose stored static token this is and whose signature names it. The signature
   * is checked first: a token that is not signed with the device key costs no query.
   */
  private async deviceByToken<F extends { account: DeviceAccount }>(
    token: string,
    find: (token: string, uuid: string) => Promise<F | null>,
  ): Promise<F | null> {
    if (token.length === 0 || token.length > 8192) return null;
    const uuid = await this.tokens.verifyDeviceStatic(token);
    if (uuid === null) return null;
    const found = await find(token, uuid);
    const device = found?.account;
    if (!device || device.token === null || !secretsEqual(device.token, token)) return null;
    return secretsEqual(uuid, device.uuid) ? found : null;
  }
}
