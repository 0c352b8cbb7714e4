/**
 * RedisPresence: the Presence shared by every node. Each live websocket connection is one entry
 * with an expiry, kept alive by the node that owns the connection; a node that dies stops
 * refreshing, its entries expire, and `sweep()` (run by any node) takes them out and reports the
 * principals that thereby went offline. The scripts are the `.lua` files beside this module
 * (scripts.ts).
 *
 * Keys (prefix `terarelay:presence:` by default; <kind> is user | participant | device):
 * - `<kind>:entries`        ZSET `<uuid>|<connection id>` → expiry (ms, Redis clock): what sweep scans
 * - `<kind>:conns:<uuid>`   ZSET connection id → expiry: the principal's counted connections
 * - `<kind>:online`         ZSET uuid → sequence number: the order principals came online
 * - `<kind>:busy`           HASH uuid → session uuid (independent of online)
 * - `device:status`         HASH uuid → `{"status", "timestamp"}` JSON, only while online
 * - `seq`                   counter behind `<kind>:online`
 *
 * In process it keeps the entries this node created (kind, uuid, connection id) and one timer
 * that extends all of them every `refreshIntervalMs` in one script per kind. The same refresh
 * re-creates any of them missing from Redis, which restores this node's principals after Redis
 * restarts empty (it runs at once whenever the link becomes ready again, and on `restore()`);
 * the principals that thereby come online again are passed to the `onRestored` listener, which
 * should announce them. Entries of nodes that were dead during the restart are simply gone: no
 * ghost presence. Busy marks and device statuses do not survive a Redis restart.
 *
 * `isOnline`, `online` and `setDeviceStatus` see only live (unexpired) entries; join/leave/sweep
 * results follow entry existence, so each announced "came online" gets exactly one "went
 * offline" even when a node dies (see scripts.ts). Run `sweep()` every `sweepIntervalMs` of
 * timings.ts. A connection must be left on the node that joined it. `close()` stops refreshing and leaves
 * the entries in Redis: leave every connection first, or they expire and are swept.
 * Not for Redis Cluster: scripts touch keys derived from their arguments.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import { PRINCIPAL_KINDS, type PrincipalKind } from '../../principal.js';
import type { DeviceStatus, Presence, PrincipalRef } from './presence.js';
import type { PresenceTimings } from './timings.js';
import { redisCall, redisUnavailable } from '../redis-client.js';
import * as lua from './scripts.js';

export const PRESENCE_KEY_PREFIX = 'terarelay:presence:';

export interface RedisPresenceOptions {
  /** A `commands` client (src/seams/redis-client.ts); shared, not closed by this class. */
  redis: Redis;
  /** This node's id, for logs. */
  nodeId: string;
  /**
   * `entryTtlMs`: a dead node's principals go offline at the first sweep after it;
   * `refreshIntervalMs`: how often this node extends its entries.
   */
  timings: Pick<PresenceTimings, 'entryTtlMs' | 'refreshIntervalMs'>;
  log: Logger;
  /** Key prefix (tests isolate themselves with it). Default `terarelay:presence:`. */
  prefix?: string;
}

const BATCH = 500;

interface LocalEntry {
  readonly uuid: string;
  readonly connectionId: string;
}

export class RedisPresence implements Presence {
  private readonly redis: Redis;
  private readonly log: Logger;
  private readonly ttlMs: number;
  private readonly prefix: string;
  private restoredListener: (refs: PrincipalRef[]) => void = () => {};
  /** This node's entries per kind, by `<uuid>|<connection id>`. */
  private readonly local: Record<PrincipalKind, Map<string, LocalEntry>> = {
    user: new Map(),
    participant: new Map(),
    device: new Map(),
  };
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<PrincipalRef[]> | null = null;
  private closed = false;
  private readonly onReady = (): void => void this.refreshQuietly();

  constructor(options: RedisPresenceOptions) {
    this.log = options.log.child({ component: 'presence', node: options.nodeId });
    this.redis = options.redis;
    this.ttlMs = options.timings.entryTtlMs;
    this.prefix = options.prefix ?? PRESENCE_KEY_PREFIX;
    this.redis.on('ready', this.onReady);
    this.timer = setInterval(() => void this.refreshQuietly(), options.timings.refreshIntervalMs);
    this.timer.unref();
  }

  /**
   * Sets the one listener for principals that came online again because this node re-created
   * its entries (they must be announced again). Replaces any previous listener.
   */
  onRestored(listener: (refs: PrincipalRef[]) => void): void {
    this.restoredListener = listener;
  }

  async join(kind: PrincipalKind, uuid: string, connectionId: string): Promise<boolean> {
    const member = entryMember(uuid, connectionId);
    const k = this.keys(kind, uuid);
    const keys = [k.entries, k.conns, k.online, k.seq];
    const reply = this.script('join', lua.JOIN, keys, uuid, connectionId, this.ttlMs);
    // Recorded right after the script is queued: a refresh queued later cannot run before it.
    const local = this.local[kind];
    const existed = local.has(member);
    if (!this.closed) local.set(member, { uuid, connectionId });
    try {
      return (await reply) === 1;
    } catch (err) {
      if (!existed) local.delete(member);
      throw err;
    }
  }

  /**
   * When Redis does not answer, the entry stays this node's (refreshed, restored) so that the
   * caller's retry finds it and reports the principal going offline.
   */
  async leave(kind: PrincipalKind, uuid: string, connectionId: string): Promise<boolean> {
    const member = entryMember(uuid, connectionId);
    const local = this.local[kind];
    const entry = local.get(member);
    local.delete(member);
    const k = this.keys(kind, uuid);
    const keys = [k.entries, k.conns, k.online, k.status];
    const isDevice = kind === 'device' ? '1' : '0';
    try {
      // Not through the offline queue: a leave sent to a Redis that restarted empty meanwhile
      // would find no entry and lose the offline transition; the caller retries instead.
      if (entry && this.redis.status !== 'ready')
        throw redisUnavailable('presence leave', new Error(`link ${this.redis.status}`));
      return (await this.script('leave', lua.LEAVE, keys, uuid, connectionId, isDevice)) === 1;
    } catch (err) {
      if (entry && !this.closed && !local.has(member)) local.set(member, entry);
      throw err;
    }
  }

  /** True while the principal has a live (unexpired) entry. */
  async isOnline(kind: PrincipalKind, uuid: string): Promise<boolean> {
    return Number(await this.script('isOnline', lua.LIVE, [this.keys(kind, uuid).conns])) > 0;
  }

  async online(kind: PrincipalKind): Promise<string[]> {
    const k = this.keys(kind, '');
    return strings(await this.script('online', lua.ONLINE, [k.online], k.conns));
  }

  async setBusy(kind: PrincipalKind, uuid: string, sessionUuid: string): Promise<boolean> {
    const busy = this.keys(kind, uuid).busy;
    return (await this.script('setBusy', lua.SET_BUSY, [busy], uuid, sessionUuid)) === 1;
  }

  async clearBusy(kind: PrincipalKind, uuid: string, sessionUuid?: string): Promise<boolean> {
    const busy = this.keys(kind, uuid).busy;
    const cleared =
      sessionUuid === undefined
        ? await this.command('clearBusy', () => this.redis.hdel(busy, uuid))
        : await this.script('clearBusy', lua.CLEAR_BUSY_IF, [busy], uuid, sessionUuid);
    return cleared === 1;
  }

  async busy(kind: PrincipalKind): Promise<Map<string, string>> {
    const k = this.keys(kind, '');
    return new Map(Object.entries(await this.command('busy', () => this.redis.hgetall(k.busy))));
  }

  async setDeviceStatus(uuid: string, status: DeviceStatus): Promise<boolean> {
    const k = this.keys('device', uuid);
    const json = JSON.stringify({ status: status.status, timestamp: status.timestamp });
    return (
      (await this.script('setDeviceStatus', lua.SET_STATUS, [k.conns, k.status], uuid, json)) === 1
    );
  }

  async deviceStatuses(): Promise<Map<string, DeviceStatus>> {
    const k = this.keys('device', '');
    const all = await this.command('deviceStatuses', () => this.redis.hgetall(k.status));
    const out = new Map<string, DeviceStatus>();
    for (const [uuid, json] of Object.entries(all)) {
      const parsed = parseStatus(json);
      if (parsed) out.set(uuid, parsed);
      else this.log.warn({ uuid }, 'unreadable device status in Redis; ignored');
    }
    return out;
  }

  /** Atomic per batch: two sweepers never report the same principal going offline. */
  async sweep(): Promise<PrincipalRef[]> {
    const gone: PrincipalRef[] = [];
    for (const kind of PRINCIPAL_KINDS) {
      const k = this.keys(kind, '');
      const isDevice = kind === 'device' ? '1' : '0';
      for (;;) {
        const keys = [k.entries, k.online, k.status];
        const reply = await this.script('sweep', lua.SWEEP, keys, k.conns, isDevice, BATCH);
        const [removed, uuids] = Array.isArray(reply) ? reply : [0, []];
        for (const uuid of strings(uuids)) gone.push({ kind, uuid });
        if (Number(removed) < BATCH) break;
      }
    }
    return gone;
  }

  /**
   * Extends this node's entries now and re-creates missing ones (after a Redis restart); returns
   * the principals that came online again (also passed to the `onRestored` listener). Rejects
   * with AppError UNAVAILABLE when Redis does not answer. Runs by itself every
   * `refreshIntervalMs` and on every reconnect.
   */
  restore(): Promise<PrincipalRef[]> {
    this.open();
    // One refresh at a time; a caller arriving during one waits for it, then runs its own.
    const previous = this.refreshing ?? Promise.resolve([]);
    const run = previous.catch(() => []).then(() => this.refreshOnce());
    this.refreshing = run;
    void run
      .catch(() => {})
      .finally(() => {
        if (this.refreshing === run) this.refreshing = null;
      });
    return run;
  }

  /** Idempotent. Stops refreshing; this node's entries stay in Redis until left or swept. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
  }

  private async refreshOnce(): Promise<PrincipalRef[]> {
    const back: PrincipalRef[] = [];
    for (const kind of PRINCIPAL_KINDS) {
      const entries = [...this.local[kind].values()];
      const k = this.keys(kind, '');
      for (let i = 0; i < entries.length; i += BATCH) {
        const args = entries.slice(i, i + BATCH).flatMap((e) => [e.uuid, e.connectionId]);
        const keys = [k.entries, k.online, k.seq];
        const reply = await this.script('restore', lua.REFRESH, keys, k.conns, this.ttlMs, ...args);
        for (const uuid of strings(reply)) back.push({ kind, uuid });
      }
    }
    if (back.length > 0) {
      this.log.info({ principals: back.length }, 'presence entries restored in Redis');
      try {
        this.restoredListener(back);
      } catch (err) {
        this.log.error({ err }, 'onRestored listener threw');
      }
    }
    return back;
  }

  private refreshQuietly(): Promise<void> {
    if (this.closed || this.refreshing) return Promise.resolve();
    return this.restore().then(
      () => undefined,
      (err: Error) => this.log.warn({ err: err.message }, 'presence refresh failed; retrying'),
    );
  }

  private keys(kind: PrincipalKind, uuid: string) {
    const p = this.prefix;
    return {
      entries: `${p}${kind}:entries`,
      conns: `${p}${kind}:conns:${uuid}`,
      online: `${p}${kind}:online`,
      busy: `${p}${kind}:busy`,
      status: `${p}device:status`,
      seq: `${p}seq`,
    };
  }

  private open(): void {
    if (this.closed) throw new AppError('UNAVAILABLE', 'presence is closed');
  }

  /** Runs a script; the command is queued synchronously, before this returns. */
  private script(op: string, source: string, keys: string[], ...args: Array<string | number>) {
    return this.command(op, () => this.redis.eval(source, keys.length, ...keys, ...args));
  }

  /** Runs a command, turning any failure into AppError UNAVAILABLE. */
  private async command<T>(op: string, command: () => Promise<T>): Promise<T> {
    this.open();
    return await redisCall(`presence ${op}`, command);
  }
}

function entryMember(uuid: string, connectionId: string): string {
  if (uuid === '' || uuid.includes('|') || connectionId === '')
    throw new AppError(
      'BAD_REQUEST',
      'presence: uuid must be non-empty without "|", connection id non-empty',
    );
  return `${uuid}|${connectionId}`;
}

function strings(reply: unknown): string[] {
  return Array.isArray(reply) ? reply.map(String) : [];
}

function parseStatus(json: string): DeviceStatus | null {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null) return null;
    const { status, timestamp } = value as Record<string, unknown>;
    if (typeof status !== 'string' || typeof timestamp !== 'number') return null;
    return { status, timestamp };
  } catch {
    return null;
  }
}
