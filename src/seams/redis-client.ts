/**
 * The one place ioredis clients are made, so every Redis link of a node reconnects the same way:
 * forever, with a capped exponential backoff (50 ms doubling to 2 s), and logs one warning per
 * outage rather than one per retry.
 *
 * What a command does while Redis is unreachable depends on the client's `use`:
 * - `commands` (default: tickets, revocations, login attempts, presence): commands issued while
 *   disconnected wait in ioredis' offline queue and are sent when the link is back; a command
 *   still waiting after 2 reconnect attempts fails (`maxRetriesPerRequest: 2`), and one that gets
 *   no reply fails after `commandTimeoutMs` (default 5 s). Callers map failures to UNAVAILABLE.
 * - `publish` (RedisBus publisher): no offline queue and no retries (`enableOfflineQueue: false`,
 *   `maxRetriesPerRequest: 0`): a PUBLISH either goes out on a live link or fails at once, so a
 *   stale message is never sent late, after newer ones. The bus bounds its own wait.
 * - `subscribe` (RedisBus subscriber): like `publish`, and ioredis' own re-subscription is off
 *   (`autoResubscribe: false`): the bus re-subscribes its current topics itself on every `ready`,
 *   from its own ref-counted topic map, which stays the single source of truth.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export type RedisUse = 'commands' | 'publish' | 'subscribe';

export interface CreateRedisOptions {
  /** Shown in logs and as the Redis CLIENT name (`terarelay:<name>`). */
  name: string;
  log?: Logger;
  /** Do not connect until the first command or `connect()`. Default false. */
  lazy?: boolean;
  /** Default `commands`; see the module comment. */
  use?: RedisUse;
  /** A command without a reply fails after this long (ms). Default 5000; none for `subscribe`. */
  commandTimeoutMs?: number;
}

/** Reconnect delay in ms for the n-th attempt (1-based): 50, 100, 200 … capped at 2000, forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(Math.max(attempt - 1, 0), 10), 2000);
}

const PER_USE: Record<RedisUse, RedisOptions> = {
  commands: { enableOfflineQueue: true, maxRetriesPerRequest: 2 },
  publish: {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  },
  subscribe: {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
  },
};

export function createRedis(url: string, options: CreateRedisOptions): Redis {
  const use = options.use ?? 'commands';
  const commandTimeout = use === 'subscribe' ? undefined : (options.commandTimeoutMs ?? 5000);
  const redis = new Redis(url, {
    ...PER_USE[use],
    retryStrategy: reconnectDelay,
    connectTimeout: 5000,
    commandTimeout,
    lazyConnect: options.lazy ?? false,
    connectionName: `terarelay:${options.name.replace(/[^\w.:-]/g, '_')}`,
  });
  const log = options.log?.child({ redis: options.name });
  // One warning when a link goes down, one info when it is back; retries in between are debug.
  let down = false;
  redis.on('error', (err: Error) => {
    if (!log) return;
    if (down) log.debug({ err: err.message }, 'redis still unreachable');
    else log.warn({ err: err.message }, 'redis unreachable; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log?.info('redis reconnected');
    down = false;
  });
  return redis;
}

/** Closes a client within `timeoutMs`: QUIT when connected (pending replies arrive), else drop. */
export async function closeRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  const ended = (): boolean => redis.status === 'end';
  if (ended()) return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([redis.quit().then(noop, noop), timedOut]);
  clearTimeout(timer);
  if (!ended()) redis.disconnect();
}

function noop(): void {}
