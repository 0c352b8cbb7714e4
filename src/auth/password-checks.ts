/**
 * PasswordChecks: how every password is checked. A check waits for the FairGate (a few at once
 * per client address, the node's bound shared in turns between addresses, so one address never
 * starves the others) and is counted by the LoginThrottle when admitted; a check the limits
 * already refuse is answered at once, without waiting and without bcrypt.
 * Metrics: `terarelay_password_checks_total` (bcrypt checks started) and
 * `terarelay_password_checks_pending{state="running"|"waiting"}`.
 */
import type { Counter } from 'prom-client';
import type { Metrics } from '../metrics.js';
import { FairGate } from './fair-gate.js';
import type { AttemptVerdict, LoginThrottle, PasswordKind } from './lockout.js';
import { verifyPassword } from './passwords.js';

export { PASSWORD_CHECKS_METRIC, PENDING_CHECKS_METRIC } from '../metrics.js';

/** `match`/`mismatch`: the check ran; otherwise the limits refused it and no check ran. */
export type CheckOutcome = 'match' | 'mismatch' | Exclude<AttemptVerdict, 'ok'>;

export interface PasswordChecksOptions {
  throttle: LoginThrottle;
  /** Checks running at once on this node. */
  total: number;
  /** Checks running at once for one client address (at most `total`). */
  perAddress: number;
  /** Where checks are counted (one PasswordChecks per Metrics). */
  metrics: Metrics;
}

export class PasswordChecks {
  private readonly throttle: LoginThrottle;
  private readonly gate: FairGate;
  private readonly started: Counter;

  constructor(options: PasswordChecksOptions) {
    this.throttle = options.throttle;
    const gate = new FairGate(options.total, options.perAddress);
    this.gate = gate;
    this.started = options.metrics.passwordChecks;
    options.metrics.watch({
      passwordChecks: () => ({ running: gate.runningCount(), waiting: gate.waitingCount() }),
    });
  }

  /**
   * Checks `password` against `hash` (null: an unknown account, checked against a dummy hash
   * and never matching) for `account` (its counting key, see LoginThrottle) from `address`.
   * A mismatch stays counted as a failure; on a match the caller decides whether the login
   * succeeds and then calls `throttle.success`.
   */
  async check(
    kind: PasswordKind,
    account: string,
    address: string,
    password: string,
    hash: string | null,
  ): Promise<CheckOutcome> {
    const early = await this.throttle.peek(kind, account, address);
    if (early !== 'ok') return early;
    const release = await this.gate.enter(address);
    try {
      const verdict = await this.throttle.admit(kind, account, address);
      if (verdict !== 'ok') return verdict;
      this.started.inc();
      return (await verifyPassword(password, hash)) ? 'match' : 'mismatch';
    } finally {
      release();
    }
  }
}
