/**
 * The audit log: one structured line per security-relevant fact, on a child of the node's
 * logger marked `audit: true`, its `event` field naming the fact (README.md lists them).
 *
 * A line carries ids (principal kind and uuid, connection id), the client address, reasons and
 * codes only: never a password, token, ticket, username or header. Lines are written at level
 * info (a lockout at warn), so `--log-level warn` hides all but lockouts.
 */
import type { Logger } from 'pino';
import type { UpgradeRefusal } from './metrics.js';
import type { PrincipalKind } from './principal.js';

/** Why a presented credential was refused. */
export type LoginFailure =
  | 'bad_password'
  | 'unknown_account'
  | 'disabled'
  | 'locked'
  | 'throttled'
  | 'bad_token'
  | 'revoked_token'
  /** A wrong 2FA code at the login's second step (the password was right). */
  | 'bad_otp_code';

/** Who or what closed a principal's websockets with 4000. */
export type DisconnectCause = 'api' | 'logout' | 'database_event';

/** Which failure limit a lockout started on (see auth/lockout.ts). */
export type LockoutScope = 'account' | 'address';

interface Principal {
  readonly kind: PrincipalKind;
  readonly uuid: string;
}

export class Audit {
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log.child({ audit: true });
  }

  /** A login answered with its credentials accepted (`via`: how it authenticated). */
  login(who: Principal & { address: string; via: 'basic' | 'token' }): void {
    this.log.info({ event: 'login', ...who }, 'login');
  }

  /**
   * A credential refused, on any route: every password guess is a login attempt wherever it is
   * made. `uuid` when the account is known.
   */
  loginFailed(fact: {
    kind: PrincipalKind;
    reason: LoginFailure;
    address: string;
    uuid?: string | undefined;
  }): void {
    this.log.info({ event: 'login_failed', ...fact }, 'login failed');
  }

  /**
   * A failure limit was just reached: from now on until its window ends, the (account, address)
   * pair gets 401 (`account`), or every password login from the address gets 429 (`address`).
   */
  lockout(fact: {
    kind: PrincipalKind;
    scope: LockoutScope;
    address: string;
    uuid?: string | undefined;
  }): void {
    this.log.warn({ event: 'lockout', ...fact }, 'login lockout started');
  }

  /** A request refused with 429 by a limit other than the login limits (`limit`). */
  throttled(fact: {
    limit: 'device_status';
    kind: PrincipalKind;
    uuid: string;
    address: string;
  }): void {
    this.log.info({ event: 'throttled', ...fact }, 'request throttled');
  }

  /** A websocket upgrade answered with HTTP `status` instead. */
  upgradeRefused(fact: {
    reason: UpgradeRefusal;
    status: number;
    address: string;
    kind?: PrincipalKind | undefined;
  }): void {
    this.log.info({ event: 'upgrade_refused', ...fact }, 'websocket upgrade refused');
  }

  /** A websocket is live (its CONNECTED sent). */
  connected(who: Principal & { connection: string; address: string }): void {
    this.log.info({ event: 'ws_connect', ...who }, 'websocket connected');
  }

  /**
   * A websocket closed: `code` is the close code the server sent (`by: 'server'`), or the one
   * the client sent or 1006 for none (`by: 'client'`).
   */
  disconnected(
    who: Principal & { connection: string; code: number; by: 'server' | 'client' },
  ): void {
    this.log.info({ event: 'ws_disconnect', ...who }, 'websocket disconnected');
  }

  /**
   * Every websocket of `target` was ordered closed (4000): by the user `by` (`api`), by its own
   * logout, or by a DatabaseEvent disabling or deleting it.
   */
  disconnectForced(fact: {
    cause: DisconnectCause;
    target: Principal;
    by?: string;
    address?: string;
  }): void {
    const { target, ...rest } = fact;
    this.log.info(
      { event: 'disconnect_forced', kind: target.kind, uuid: target.uuid, ...rest },
      'forced disconnect',
    );
  }
}
