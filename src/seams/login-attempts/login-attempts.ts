/**
 * LoginAttempts: expiring counters for login throttling, as rate-limiter-flexible limiters kept
 * in this process or in Redis (then shared by every node). The policy (what is counted, the
 * limits) lives in auth/; this seam only counts.
 *
 * Contract of a counter (a RateLimiterAbstract of `points` per window of `durationSeconds`):
 * - `consume(key)` adds one; it resolves while the count is at most `points` and rejects with
 *   a RateLimiterRes (the count is kept) once it passes them; `consumedPoints` is the count;
 * - the window starts at the first count of an absent or expired key and is never extended;
 * - `reward(key)` takes one back, `get(key)` reads (null: absent or expired), `delete(key)`
 *   forgets;
 * - a store failure rejects with an Error that is not a RateLimiterRes.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export interface CounterOptions {
  /** The count allowed within one window (a positive integer). */
  readonly points: number;
  /** The window, whole seconds (at least 1). */
  readonly durationSeconds: number;
}

export interface LoginAttempts {
  /**
   * The counter named `name` (keys of different names never meet). Every call with one name
   * returns the same counter and must give the same options (AppError INTERNAL otherwise).
   */
  counter(name: string, options: CounterOptions): RateLimiterAbstract;
  close(): Promise<void>;
}
