/**
 * The one place ioredis clients are made, so every Redis link of a node reconnects the same way:
 * forever, with a capped exponential backoff (50 ms doubling to 2 s), and logs one warning per
 * outage rather than one per retry.
 *
 * What a command does while Redis is unreachable depends on the client's `use`:
 * - `commands` (default: tickets, revocations, login attempts, presence): commands issued in the
 *   same tick are written together (ioredis auto-pipelining; order and replies unchanged). Issued while
 *   disconnected wait in ioredis' offline queue and are sent when the link is back; a command
 *   still waiting after 2 reconnect attempts fails (`maxRetriesPerRequest: 2`), and one that gets
 *   no reply fails after `commandTimeoutMs` (default 5 s). Callers map failures to UNAVAILABLE
 *   (`redisCall`). A node's own `commands` client (made inside `RedisLinks.collect`) instead
 *   fails every command at once while its link is down, keeps a command waiting for the link no
 *   longer than the links' `commandTimeoutMs`, and has no retry count (./redis-links.ts).
 * - `publish` (RedisBus publisher): no offline queue and no retries (`enableOfflineQueue: false`,
 *   `maxRetriesPerRequest: 0`): a PUBLISH either goes out on a live link or fails at once, so a
 *   stale message is never sent late, after newer ones. The bus bounds its own wait.
 * - `subscribe` (RedisBus subscriber): like `publish`, and ioredis' own re-subscription is off
 *   (`autoResubscribe: false`): the bus re-subscribes its current topics itself on every `ready`,
 *   from its own ref-counted topic map, which stays the single source of truth.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { withTimeout } from '../util/timers.js';
import type { RedisLinks } from './redis-links.js';

export type RedisUse = 'commands' | 'publish' | 'subscribe';

export interface CreateRedisOptions {
  /** Shown in logs and as the Redis CLIENT name (`terarelay:<name>`). */
  name: string;
  log?: Logger;
  /** Default `commands`; see the module comment. */
  use?: RedisUse;
  /**
   * A command without a reply fails after this long (ms). Default: the links' bound, else
   * 5000; none for `subscribe`.
   */
  commandTimeoutMs?: number;
  /** The node's links: the client joins them (watched, failing fast while down). */
  links?: RedisLinks;
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

/**
 * ioredis connection options from a `redis://` or `rediss://` URL (checked by config): host, port
 * (default 6379), ACL user and password (`user:password@`, percent-decoded; `:password@` for the
 * default user), database number (`/2`), and for `rediss://` TLS with the server's certificate
 * and name verified (system CAs plus NODE_EXTRA_CA_CERTS). The password is never logged.
 */
export function redisUrlOptions(url: string): RedisOptions {
  const u = new URL(url);
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
  };
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.pathname.length > 1) options.db = Number(u.pathname.slice(1));
  if (u.protocol === 'rediss:') options.tls = {};
  return options;
}

/**
 * ioredis attaches the failed command to its errors, and a failed login (AUTH, or HELLO … AUTH)
 * carries the password; commands waiting on that connection are rejected with the same error.
 * The password is replaced by `***` in place, as the error is emitted, before anything logs it.
 */
function hidePassword(err: Error & { command?: { name?: unknown; args?: unknown[] } }): void {
  const args = err.command?.args;
  if (!Array.isArray(args)) return;
  const name = String(err.command?.name).toLowerCase();
  const auth = name === 'auth' ? -1 : args.findIndex((a) => String(a).toUpperCase() === 'AUTH');
  if (name !== 'auth' && (name !== 'hello' || auth < 0)) return;
  // AUTH [user] password; HELLO version AUTH user password.
  const at = name === 'auth' ? args.length - 1 : auth + 2;
  if (at < args.length) args[at] = '***';
}

export function createRedis(url: string, options: CreateRedisOptions): Redis {
  const use = options.use ?? 'commands';
  const links = options.links;
  const commandTimeout =
    use === 'subscribe' ? undefined : (options.commandTimeoutMs ?? links?.commandTimeoutMs ?? 5000);
  const redis = new Redis({
    ...redisUrlOptions(url),
    ...PER_USE[use],
    ...(links && use === 'commands' ? { maxRetriesPerRequest: null } : {}),
    retryStrategy: reconnectDelay,
    connectTimeout: 5000,
    commandTimeout,
    connectionName: `terarelay:${options.name.replace(/[^\w.:-]/g, '_')}`,
    // Commands issued in one tick (a login's presence check and ticket) go out in one write.
    enableAutoPipelining: use === 'commands',
  });
  const log = options.log?.child({ redis: options.name });
  // One warning when a link goes down, one info when it is back; retries in between are debug.
  let down = false;
  redis.on('error', (err: Error) => {
    hidePassword(err);
    if (!log) return;
    if (down) log.debug({ err: err.message }, 'redis still unreachable');
    else log.warn({ err: err.message }, 'redis unreachable; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log?.info('redis reconnected');
    down = false;
  });
  links?.watch(options.name, redis, use);
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
  await withTimeout(redis.quit(), timeoutMs, 'QUIT').catch(() => {});
  if (!ended()) redis.disconnect();
}

/** Runs a Redis command; any failure becomes AppError UNAVAILABLE `<what>: Redis unavailable`. */
export async function redisCall<T>(what: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    throw redisUnavailable(what, err);
  }
}

export function redisUnavailable(what: string, cause: unknown): AppError {
  return new AppError('UNAVAILABLE', `${what}: Redis unavailable`, { cause });
}
