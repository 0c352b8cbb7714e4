/**
 * LoginAttempts: named counters that expire, for login-attempt throttling. The policy (what is
 * counted, what the limits are) lives in auth/; this seam only counts.
 *
 * Contract:
 * - `increment` adds one and returns the new count; the first increment of an absent or
 *   expired counter starts a window of `windowMs`, later increments do not extend it;
 * - `get` returns 0 for an absent or expired counter; `reset` deletes it.
 */
export interface LoginAttempts {
  increment(key: string, windowMs: number): Promise<number>;
  get(key: string): Promise<number>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}
