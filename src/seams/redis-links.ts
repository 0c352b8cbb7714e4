/**
 * The Redis links of one node and their state, for readiness, the `terarelay_redis_up` gauge
 * and failing fast.
 *
 * Which links: every client `createRedis` makes with `links` set to this object, i.e. the
 * node's shared `commands` client and the bus's publisher and subscriber.
 *
 * A link is `up` from its `ready` event until a `close`, `reconnecting` or `end` event, then
 * `down` until the next `ready`; before its first `ready` or failure it is `connecting`.
 * While a `commands` link is `down`, every command on it is rejected at once instead of waiting
 * for the link, so a request needing Redis is answered UNAVAILABLE (503) without delay. While it
 * is `connecting` or `up`, a command waits for the link, and no longer than `commandTimeoutMs`
 * whether it waited or was sent.
 */
import type { Redis } from 'ioredis';
import type { RedisUse } from './redis-client.js';

export type LinkState = 'connecting' | 'up' | 'down';

export class RedisLinks {
  private readonly states = new Map<string, LinkState>();
  private readonly listeners: Array<(up: boolean) => void> = [];
  private wasUp = false;

  /** `commandTimeoutMs`: bound of a `commands` link's command, ms. */
  constructor(readonly commandTimeoutMs: number) {}

  /** Follows `redis` (named `name`) from now on; a `commands` link fails fast while down. */
  watch(name: string, redis: Redis, use: RedisUse): void {
    const set = (state: LinkState): void => {
      if (use === 'commands') redis.options.enableOfflineQueue = state !== 'down';
      this.states.set(name, state);
      const up = this.up;
      if (up === this.wasUp) return;
      this.wasUp = up;
      for (const listener of this.listeners) listener(up);
    };
    set(redis.status === 'ready' ? 'up' : 'connecting');
    redis.on('ready', () => set('up'));
    for (const event of ['close', 'reconnecting', 'end']) redis.on(event, () => set('down'));
  }

  /** True while there is at least one link and every link is up. */
  get up(): boolean {
    return this.states.size > 0 && this.down().length === 0;
  }

  /** Names of the links that are not up. */
  down(): string[] {
    return [...this.states].filter(([, state]) => state !== 'up').map(([name]) => name);
  }

  /** `listener` is called each time `up` changes. */
  onChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }
}
