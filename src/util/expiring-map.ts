/**
 * ExpiringMap: a Map whose entries each carry an absolute expiry (ms since the epoch).
 *
 * It keeps the state of the in-memory seams (tickets, revocations, login attempts). An expired
 * entry is never returned: reads drop it on sight, and a low-frequency sweep (an unref'd timer,
 * so it never keeps the process alive) drops the ones nobody reads again, bounding memory.
 */
export interface ExpiringEntry<V> {
  value: V;
  expiresAtMs: number;
}

/** Default interval of the background sweep, ms. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, ExpiringEntry<V>>();
  private timer: NodeJS.Timeout | null;

  /** `sweepIntervalMs` ≤ 0 disables the background sweep (reads still drop expired entries). */
  constructor(sweepIntervalMs: number = DEFAULT_SWEEP_INTERVAL_MS) {
    this.timer = sweepIntervalMs > 0 ? setInterval(() => this.sweep(), sweepIntervalMs) : null;
    this.timer?.unref();
  }

  /** The live entry under `key`, or undefined (an expired entry is removed). */
  entry(key: K, now: number = Date.now()): ExpiringEntry<V> | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAtMs <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  get(key: K, now?: number): V | undefined {
    return this.entry(key, now)?.value;
  }

  set(key: K, value: V, expiresAtMs: number): void {
    this.entries.set(key, { value, expiresAtMs });
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Removes the live entry under `key` and returns it (undefined when absent or expired). */
  take(key: K, now: number = Date.now()): ExpiringEntry<V> | undefined {
    const e = this.entry(key, now);
    if (e !== undefined) this.entries.delete(key);
    return e;
  }

  /** Drops every expired entry. */
  sweep(now: number = Date.now()): void {
    for (const [key, e] of this.entries) if (e.expiresAtMs <= now) this.entries.delete(key);
  }

  /** Number of stored entries, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  /** Stops the sweep and forgets everything. Idempotent. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.entries.clear();
  }
}
