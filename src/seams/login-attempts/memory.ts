/**
 * MemoryLoginAttempts: the one-node LoginAttempts, RateLimiterMemory counters (each key
 * dropped by an unreferenced timer when its window ends).
 */
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { NamedCounters } from './named-counters.js';
import type { CounterOptions, LoginAttempts } from './login-attempts.js';

export class MemoryLoginAttempts implements LoginAttempts {
  private readonly counters = new NamedCounters(
    (name, o) =>
      new RateLimiterMemory({ keyPrefix: name, points: o.points, duration: o.durationSeconds }),
  );

  counter(name: string, options: CounterOptions): RateLimiterAbstract {
    return this.counters.get(name, options);
  }

  async close(): Promise<void> {}
}
