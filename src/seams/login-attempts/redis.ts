/**
 * RedisLoginAttempts: counters shared by every node, RateLimiterRedis with one Redis key
 * `terarelay:attempts:<name>:<key>` each (an integer whose TTL is the rest of its window).
 * Nothing is kept in process. The Redis client belongs to the caller: `close()` does not quit it.
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { NamedCounters } from './named-counters.js';
import type { CounterOptions, LoginAttempts } from './login-attempts.js';

export const ATTEMPTS_KEY_PREFIX = 'terarelay:attempts:';

export interface RedisLoginAttemptsOptions {
  /** A connected (or connecting) ioredis client; shared, not owned. */
  redis: Redis;
}

export class RedisLoginAttempts implements LoginAttempts {
  private readonly counters: NamedCounters;

  constructor(options: RedisLoginAttemptsOptions) {
    this.counters = new NamedCounters(
      (name, o) =>
        new RateLimiterRedis({
          storeClient: options.redis,
          keyPrefix: ATTEMPTS_KEY_PREFIX + name,
          points: o.points,
          duration: o.durationSeconds,
        }),
    );
  }

  counter(name: string, options: CounterOptions): RateLimiterAbstract {
    return this.counters.get(name, options);
  }

  async close(): Promise<void> {}
}
