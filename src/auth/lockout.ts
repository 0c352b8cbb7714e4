/**
 * The password-guessing policy, counted through the LoginAttempts seam (so every node shares
 * the counts when it is Redis-backed). It fixes OpenTera's per-account lockout (spec §10.8),
 * which let anyone lock any account:
 * - 5 failed password checks for one (account, client address) pair within 120 s refuse that
 *   pair (OpenTera's 401) until the window passes; the same account from another address is
 *   unaffected, and a success from the pair clears its count;
 * - more than 30 failures within 60 s from one client address, across all accounts, refuse
 *   every password login from that address with 429 until the window passes.
 * A pair's attempts are counted as they start (so a burst of concurrent guesses gets no more
 * than 5 checks); the address counts failures. Windows start at the first count and are never
 * extended. Token logins are not counted: tokens are not guessable.
 */
import type { LoginAttempts } from '../seams/login-attempts/login-attempts.js';

export const PAIR_LIMIT = 5;
export const PAIR_WINDOW_MS = 120_000;
export const ADDRESS_LIMIT = 30;
export const ADDRESS_WINDOW_MS = 60_000;

/** `ok`; `locked`: this (account, address) pair is locked (401); `throttled`: the address is (429). */
export type AttemptVerdict = 'ok' | 'locked' | 'throttled';

/** Which kind of account a password is checked for (the two with passwords). */
export type PasswordKind = 'user' | 'participant';

/**
 * Key of the 2FA failure counter of a user (OpenTera's `User2FALoginAttempts.<uuid>`); the
 * login answers 403 once it reaches 5. The 2FA endpoints increment it.
 */
export const twoFactorAttemptsKey = (userUuid: string): string => `2fa:user:${userUuid}`;
export const TWO_FACTOR_LIMIT = 5;

export class LoginThrottle {
  constructor(private readonly attempts: LoginAttempts) {}

  private pairKey(kind: PasswordKind, account: string, address: string): string {
    return `pair:${kind}:${account}:${address}`;
  }

  private addressKey(address: string): string {
    return `address:${address}`;
  }

  /**
   * Called before a password check: whether it may run. `account` is the account's uuid, or
   * `name:<URI-encoded username>` for a name that matches no account (throttled alike).
   * The pair's count is taken here, before the check, so concurrent guesses cannot overshoot
   * the limit; a success clears it.
   */
  async begin(kind: PasswordKind, account: string, address: string): Promise<AttemptVerdict> {
    if ((await this.attempts.get(this.addressKey(address))) >= ADDRESS_LIMIT) return 'throttled';
    const tries = await this.attempts.increment(
      this.pairKey(kind, account, address),
      PAIR_WINDOW_MS,
    );
    return tries > PAIR_LIMIT ? 'locked' : 'ok';
  }

  /** After a failed check: counts against the address. */
  async failure(address: string): Promise<void> {
    await this.attempts.increment(this.addressKey(address), ADDRESS_WINDOW_MS);
  }

  /** After a successful check: the pair starts afresh. */
  async success(kind: PasswordKind, account: string, address: string): Promise<void> {
    await this.attempts.reset(this.pairKey(kind, account, address));
  }

  /** True when the user has too many failed 2FA codes to be offered the 2FA step. */
  async twoFactorBlocked(userUuid: string): Promise<boolean> {
    return (await this.attempts.get(twoFactorAttemptsKey(userUuid))) >= TWO_FACTOR_LIMIT;
  }
}
