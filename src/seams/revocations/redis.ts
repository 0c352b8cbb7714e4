/**
 * RedisRevocations: revocations shared by every node and by OpenTera's Python services.
 *
 * What it keeps where:
 * - Redis: OpenTera's sets `user_disabled_tokens` / `participant_disabled_tokens` hold the raw
 *   revoked tokens (SADD / SISMEMBER), so OpenTera's services refuse the same tokens; and the
 *   marker key `terarelay:revocations:synced`, set (atomically with the sets' contents) once the
 *   sets hold every revocation of the database.
 * - The database (through DbRevocations): every revocation with its expiry, written first, so
 *   it is the durable truth.
 * - In process: only `dirty`, true after a Redis write failed, until a resync succeeds.
 *
 * How no revoked token revives after Redis loses its data (restart, failover, OpenTera's
 * FLUSHDB at shutdown): every lookup reads the marker along with the set (one MULTI). A missing
 * marker means the sets cannot be trusted: the answer comes from the database and the sets are
 * repopulated from the database's unexpired rows, then the marker is set again. The same check
 * runs on every (re)connect (`ready`) and on each sweep. A lookup also answers from the database
 * when Redis is not connected, errors, or is slower than `redisTimeoutMs`.
 *
 * The periodic sweep walks each whole set (SSCAN, never stopping early, unlike OpenTera's task)
 * and removes members whose expiry has passed: the expiry from the database row, else the JWT's
 * own `exp`; a member with neither is left alone. Then it purges expired database rows.
 * The Redis client and the DbRevocations belong to the caller: `close()` closes neither.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { jwtExpiryMs } from '../../auth/jwt.js';
import { AppError } from '../../errors.js';
import { withTimeout } from '../../util/timers.js';
import type { DbRevocations } from './db.js';
import { isRevocableKind, reason, revocationExpiry } from './rules.js';
import type { RevocableKind, Revocations } from './revocations.js';

/** OpenTera's set names: its services read and write the same sets. */
export const DISABLED_TOKEN_SETS: Readonly<Record<RevocableKind, string>> = {
  user: 'user_disabled_tokens',
  participant: 'participant_disabled_tokens',
};
export const REVOCATIONS_SYNCED_KEY = 'terarelay:revocations:synced';

export interface RedisRevocationsOptions {
  /** A connected (or connecting) ioredis client; shared, not owned. */
  redis: Redis;
  /**
   * The database rows backing the sets; shared, not owned. Give it no purge timer of its own:
   * this class purges expired rows on its sweep.
   */
  store: DbRevocations;
  log?: Logger;
  /** Interval of the sweep of expired members and rows, ms (default 10 min; ≤ 0: none). */
  sweepIntervalMs?: number;
  /** A Redis lookup slower than this answers from the database instead, ms (default 1000). */
  redisTimeoutMs?: number;
}

const SCAN_COUNT = 500;
const SADD_CHUNK = 1000;
const KINDS: readonly RevocableKind[] = ['user', 'participant'];

export class RedisRevocations implements Revocations {
  private readonly redis: Redis;
  private readonly store: DbRevocations;
  private readonly log: Logger | undefined;
  private readonly redisTimeoutMs: number;
  private readonly timer: NodeJS.Timeout | null;
  private dirty = false;
  private syncing: Promise<void> | null = null;
  private closed = false;
  private readonly onReady = (): void => void this.sync();

  constructor(options: RedisRevocationsOptions) {
    this.redis = options.redis;
    this.log = options.log;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 1000;
    this.store = options.store;
    this.redis.on('ready', this.onReady);
    if (this.redis.status === 'ready') void this.sync();
    const interval = options.sweepIntervalMs ?? 10 * 60_000;
    this.timer = interval > 0 ? setInterval(() => void this.sweep(), interval) : null;
    this.timer?.unref();
  }

  /**
   * Writes the database, then the Redis set. Throws AppError UNAVAILABLE when the database
   * write fails (the Redis write is still attempted); a failed Redis write only marks the sets
   * for a resync, since the database row already makes the token revoked.
   */
  async revoke(kind: RevocableKind, token: string, expiresAtMs: number): Promise<void> {
    if (revocationExpiry(kind, token, expiresAtMs) === null) return;
    const written = await this.store.revoke(kind, token, expiresAtMs).then(
      () => null,
      (e: unknown) => e,
    );
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis ${this.redis.status}`);
      await this.bounded(this.redis.sadd(DISABLED_TOKEN_SETS[kind], token));
    } catch (err) {
      this.dirty = true;
      this.log?.warn(
        { err: reason(err) },
        'revocations: Redis write failed; the database has it, resync pending',
      );
    }
    if (written !== null) throw written;
  }

  /** True for the empty token, as in OpenTera. Throws AppError UNAVAILABLE only when Redis cannot answer and the database fails too. */
  async isRevoked(kind: RevocableKind, token: string): Promise<boolean> {
    if (token === '') return true;
    if (!isRevocableKind(kind) || typeof token !== 'string') return false;
    if (this.closed || this.redis.status !== 'ready') return this.store.isRevoked(kind, token);
    let member: boolean;
    let trusted: boolean;
    try {
      const replies = await this.bounded(
        this.redis
          .multi()
          .sismember(DISABLED_TOKEN_SETS[kind], token)
          .exists(REVOCATIONS_SYNCED_KEY)
          .exec(),
      );
      const [isMember, synced] = repliesOf(replies);
      member = isMember === 1;
      trusted = synced === 1;
    } catch {
      return this.store.isRevoked(kind, token);
    }
    if (member) return true;
    if (trusted && !this.dirty) return false;
    void this.sync();
    return this.store.isRevoked(kind, token);
  }

  /**
   * Makes the sets hold every unexpired revocation of the database, when the marker is missing
   * or a Redis write failed; otherwise a single EXISTS. Never throws (failures are logged and
   * retried on the next lookup, reconnect or sweep). Concurrent calls share one run.
   */
  sync(): Promise<void> {
    this.syncing ??= this.resync().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  /** Removes expired members from the sets, then expired rows from the database. Never throws. */
  async sweep(now: number = Date.now()): Promise<void> {
    if (this.closed) return;
    try {
      if (this.redis.status === 'ready') for (const kind of KINDS) await this.sweepSet(kind, now);
    } catch (err) {
      this.log?.warn({ err: reason(err) }, 'revocations: Redis sweep failed');
    }
    try {
      await this.store.purge(now);
    } catch (err) {
      this.log?.warn({ err: reason(err) }, 'revocations: database purge failed');
    }
    await this.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
    await this.syncing;
  }

  private async resync(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready') return;
    const wasDirty = this.dirty;
    try {
      if (!wasDirty && (await this.redis.exists(REVOCATIONS_SYNCED_KEY)) === 1) return;
      // Cleared before reading the rows: a Redis write failing from here on sets it again.
      this.dirty = false;
      const rows = await this.store.live();
      const tx = this.redis.multi();
      for (const kind of KINDS) {
        const tokens = rows.filter((r) => r.kind === kind).map((r) => r.token);
        for (let i = 0; i < tokens.length; i += SADD_CHUNK)
          tx.sadd(DISABLED_TOKEN_SETS[kind], ...tokens.slice(i, i + SADD_CHUNK));
      }
      tx.set(REVOCATIONS_SYNCED_KEY, String(Date.now()));
      repliesOf(await tx.exec());
      this.log?.info(
        { tokens: rows.length },
        'revocations: Redis sets repopulated from the database',
      );
    } catch (err) {
      this.dirty ||= wasDirty;
      this.log?.warn({ err: reason(err) }, 'revocations: resync failed; will retry');
    }
  }

  private async sweepSet(kind: RevocableKind, now: number): Promise<void> {
    const set = DISABLED_TOKEN_SETS[kind];
    let cursor = '0';
    do {
      const [next, members] = await this.redis.sscan(set, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (members.length === 0) continue;
      const stored = await this.store.expiries(kind, members);
      const expired = members.filter((m) => {
        const expiry = stored.get(m) ?? jwtExpiryMs(m);
        return expiry !== undefined && expiry <= now;
      });
      if (expired.length > 0) await this.redis.srem(set, ...expired);
    } while (cursor !== '0');
  }

  /** `promise`, or a rejection after `redisTimeoutMs`. */
  private bounded<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.redisTimeoutMs, 'revocations: Redis');
  }
}

/** The replies of a MULTI; throws on an aborted transaction or a failed command. */
function repliesOf(replies: [Error | null, unknown][] | null): unknown[] {
  if (replies === null) throw new AppError('UNAVAILABLE', 'Redis transaction aborted');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
