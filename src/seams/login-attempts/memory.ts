/**
 * MemoryLoginAttempts: the one-node LoginAttempts. It keeps one counter per key with the end
 * of its window; an expired counter reads as 0 and is dropped when read or by a low-frequency
 * background sweep.
 */
import { ExpiringMap, DEFAULT_SWEEP_INTERVAL_MS } from '../../util/expiring-map.js';
import { checkWindow } from './rules.js';
import type { LoginAttempts } from './login-attempts.js';

export interface MemoryLoginAttemptsOptions {
  /** Interval of the background sweep of expired counters, ms (default 60 000; ≤ 0: none). */
  sweepIntervalMs?: number;
}

export class MemoryLoginAttempts implements LoginAttempts {
  private readonly counters: ExpiringMap<string, number>;

  constructor(options: MemoryLoginAttemptsOptions = {}) {
    this.counters = new ExpiringMap(options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  }

  async increment(key: string, windowMs: number): Promise<number> {
    checkWindow(windowMs);
    const now = Date.now();
    const current = this.counters.entry(key, now);
    if (current === undefined) {
      this.counters.set(key, 1, now + windowMs);
      return 1;
    }
    current.value += 1;
    return current.value;
  }

  async get(key: string): Promise<number> {
    return this.counters.get(key) ?? 0;
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }

  async close(): Promise<void> {
    this.counters.close();
  }
}
