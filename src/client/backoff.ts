/**
 * The waits between reconnect attempts: exponential backoff with full jitter (each wait drawn
 * uniformly between 0 and min(ceiling, initial × 2^attempt)), so that clients dropped together
 * do not come back together. The wait that follows a slow-consumer close (4001) is longer, at
 * least a draw between half and all of `afterSlowConsumerMs`: the client was too slow for the
 * event rate, and coming straight back would only repeat it. A server's Retry-After is a floor
 * (above the ceiling too).
 */

export interface BackoffOptions {
  /** Upper bound of the first wait, ms (default 500). */
  readonly initialMs?: number;
  /** The ceiling of every wait, ms (default 30000). */
  readonly maxMs?: number;
  /** Upper bound of the wait after a 4001 close, ms (default 5000; not capped by maxMs). */
  readonly afterSlowConsumerMs?: number;
  /** Uniform random numbers in [0, 1) (tests make it predictable). */
  readonly random?: () => number;
}

export const SLOW_CONSUMER_CODE = 4001;

export class Backoff {
  private attempts = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly afterSlowMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = positive(options.initialMs ?? 500, 'initialMs');
    this.maxMs = positive(options.maxMs ?? 30_000, 'maxMs');
    this.afterSlowMs = positive(options.afterSlowConsumerMs ?? 5_000, 'afterSlowConsumerMs');
    this.random = options.random ?? Math.random;
  }

  /** Attempts made since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /**
   * The wait before the next attempt, ms. `closeCode`: the code that ended the last
   * connection, if one ended it; `retryAfterMs`: the server's Retry-After, if it sent one.
   */
  next(reason: { closeCode?: number | null; retryAfterMs?: number | null } = {}): number {
    const exponent = Math.min(this.attempts, 30);
    this.attempts += 1;
    let wait = this.random() * Math.min(this.maxMs, this.initialMs * 2 ** exponent);
    if (reason.closeCode === SLOW_CONSUMER_CODE)
      wait = Math.max(wait, this.afterSlowMs / 2 + (this.random() * this.afterSlowMs) / 2);
    if (reason.retryAfterMs != null) wait = Math.max(wait, reason.retryAfterMs);
    return Math.round(wait);
  }

  /** A connection stayed up: the next wait starts small again. */
  reset(): void {
    this.attempts = 0;
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number`);
  return value;
}
