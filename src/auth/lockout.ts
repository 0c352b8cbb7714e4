/**
 * The password-guessing policy, counted through the LoginAttempts seam (so every node shares
 * the counts when it is Redis-backed). It replaces OpenTera's per-account lockout, which let
 * anyone lock any account, with failure limits per client address (settings in config.ts):
 * - `loginAccountLimit` failed password checks for one (account, client address) pair
 *   within `loginAccountWindow` seconds refuse that pair (OpenTera's 401) until the window
 *   passes; the same account from another address is unaffected, and a success from the pair
 *   clears its count;
 * - `loginAddressLimit` failed checks within `loginAddressWindow` seconds from one client
 *   address, across all accounts, refuse every password login from that address with 429
 *   until the window passes.
 * A check is counted as a failure of both when it is admitted and refunded when it succeeds,
 * so checks running at once see each other and a burst gets no more checks than the limits.
 * Windows start at the first count and are never extended. Token logins are not counted:
 * tokens are not guessable.
 */
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { LoginAttempts } from '../seams/login-attempts/login-attempts.js';

/** `ok`; `locked`: this (account, address) pair is locked (401); `throttled`: the address is (429). */
export type AttemptVerdict = 'ok' | 'locked' | 'throttled';

/** Which kind of account a password is checked for (the two with passwords). */
export type PasswordKind = 'user' | 'participant';

export type LoginLimits = Pick<
  Config,
  'loginAddressLimit' | 'loginAddressWindow' | 'loginAccountLimit' | 'loginAccountWindow'
>;

/**
 * The 2FA failure counter of a user, by user uuid (OpenTera's `User2FALoginAttempts.<uuid>`,
 * 900 s); the login and the 2FA endpoints answer 403 once it reaches TWO_FACTOR_LIMIT. The 2FA
 * endpoint counts wrong codes and clears it on a right one.
 */
export const TWO_FACTOR_LIMIT = 5;
const TWO_FACTOR_WINDOW_S = 900;

/** The counters of the policy, by the names they have in the LoginAttempts seam. */
export interface LoginCounters {
  /** By client address. */
  readonly address: RateLimiterAbstract;
  /** By `<kind>:<account>:<address>` (pairKey). */
  readonly pair: RateLimiterAbstract;
  /** By user uuid. */
  readonly twoFactor: RateLimiterAbstract;
}

export function loginCounters(attempts: LoginAttempts, limits: LoginLimits): LoginCounters {
  return {
    address: attempts.counter('address', {
      points: limits.loginAddressLimit,
      durationSeconds: limits.loginAddressWindow,
    }),
    pair: attempts.counter('pair', {
      points: limits.loginAccountLimit,
      durationSeconds: limits.loginAccountWindow,
    }),
    twoFactor: attempts.counter('2fa:user', {
      points: TWO_FACTOR_LIMIT,
      durationSeconds: TWO_FACTOR_WINDOW_S,
    }),
  };
}

/**
 * The pair counter's key. `account` is the account's uuid, or `name:<URI-encoded username>`
 * for a name that matches no account (throttled alike).
 */
export const pairKey = (kind: PasswordKind, account: string, address: string): string =>
  `${kind}:${account}:${address}`;

/** Runs a counter operation; a store failure becomes AppError UNAVAILABLE. */
async function counting<T>(op: () => Promise<T>): Promise<T | RateLimiterRes> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof RateLimiterRes) return e;
    throw new AppError('UNAVAILABLE', 'login attempts: store unavailable', { cause: e });
  }
}

const count = async (counter: RateLimiterAbstract, key: string): Promise<number> => {
  const res = await counting(() => counter.get(key));
  return res?.consumedPoints ?? 0;
};

/** Consumes one; true while within the counter's points. */
const consume = async (counter: RateLimiterAbstract, key: string): Promise<boolean> =>
  (await counting(() => counter.consume(key))).consumedPoints <= counter.points;

export class LoginThrottle {
  readonly counters: LoginCounters;
  /** What a 429 tells the client to wait, seconds. */
  readonly retryAfterSeconds: number;

  constructor(attempts: LoginAttempts, limits: LoginLimits) {
    this.counters = loginCounters(attempts, limits);
    this.retryAfterSeconds = limits.loginAddressWindow;
  }

  /**
   * Before waiting for a check: whether the limits already refuse it (nothing is counted).
   */
  async peek(kind: PasswordKind, account: string, address: string): Promise<AttemptVerdict> {
    const { address: byAddress, pair } = this.counters;
    const [failures, pairFailures] = await Promise.all([
      count(byAddress, address),
      count(pair, pairKey(kind, account, address)),
    ]);
    if (failures >= byAddress.points) return 'throttled';
    return pairFailures >= pair.points ? 'locked' : 'ok';
  }

  /**
   * When a check is admitted: counts it as a failure of the address and of the pair. A verdict
   * other than `ok` leaves nothing counted but the address's excess (it is refused anyway).
   */
  async admit(kind: PasswordKind, account: string, address: string): Promise<AttemptVerdict> {
    if (!(await consume(this.counters.address, address))) return 'throttled';
    if (await consume(this.counters.pair, pairKey(kind, account, address))) return 'ok';
    await counting(() => this.counters.address.reward(address));
    return 'locked';
  }

  /** After an admitted check succeeded: refunds the address, and the pair starts afresh. */
  async success(kind: PasswordKind, account: string, address: string): Promise<void> {
    await Promise.all([
      counting(() => this.counters.address.reward(address)),
      counting(() => this.counters.pair.delete(pairKey(kind, account, address))),
    ]);
  }

  /** True when the user has too many failed 2FA codes to be offered the 2FA step. */
  async twoFactorBlocked(userUuid: string): Promise<boolean> {
    return (await count(this.counters.twoFactor, userUuid)) >= TWO_FACTOR_LIMIT;
  }

  /** Counts a wrong 2FA code of the user. */
  async twoFactorFailed(userUuid: string): Promise<void> {
    await consume(this.counters.twoFactor, userUuid);
  }

  /** After a right 2FA code: the user's count starts afresh. */
  async twoFactorSucceeded(userUuid: string): Promise<void> {
    await counting(() => this.counters.twoFactor.delete(userUuid));
  }
}
