/**
 * RedisLoginAttempts: counters shared by every node, one key `terarelay:attempts:<key>` each.
 * The increment runs as one Lua script (INCR, then PEXPIRE only when the counter was just
 * created, or lost its expiry), so the window starts at the first failure and is never
 * extended. Nothing is kept in process. The Redis client belongs to the caller: `close()`
 * does not quit it.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import { checkWindow } from './rules.js';
import type { LoginAttempts } from './login-attempts.js';

export const ATTEMPTS_KEY_PREFIX = 'terarelay:attempts:';

const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n`;

export interface RedisLoginAttemptsOptions {
  /** A connected (or connecting) ioredis client; shared, not owned. */
  redis: Redis;
}

export class RedisLoginAttempts implements LoginAttempts {
  private readonly redis: Redis;

  constructor(options: RedisLoginAttemptsOptions) {
    this.redis = options.redis;
  }

  /** Throws AppError UNAVAILABLE when Redis does not answer (as do `get` and `reset`). */
  async increment(key: string, windowMs: number): Promise<number> {
    checkWindow(windowMs);
    const n = await this.call(() =>
      this.redis.eval(INCREMENT, 1, ATTEMPTS_KEY_PREFIX + key, windowMs),
    );
    return Number(n);
  }

  async get(key: string): Promise<number> {
    const value = await this.call(() => this.redis.get(ATTEMPTS_KEY_PREFIX + key));
    return value === null ? 0 : Number(value);
  }

  async reset(key: string): Promise<void> {
    await this.call(() => this.redis.del(ATTEMPTS_KEY_PREFIX + key));
  }

  async close(): Promise<void> {}

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (e) {
      throw new AppError('UNAVAILABLE', 'login attempts: Redis unavailable', { cause: e });
    }
  }
}
