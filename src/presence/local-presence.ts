/**
 * LocalPresence: the presence of this node's own websocket connections. The node that owns a
 * connection joins and leaves its Presence entry itself (RedisPresence entries are refreshed by
 * the node that created them), and announces CONNECTED when the principal comes online and
 * DISCONNECTED when it goes offline, on `module.TeraServer.UserManagerModule.events`. Since
 * `join`/`leave` report each transition to exactly one caller, each change is announced once
 * across the cluster (spec §4.4, made safe: counted connections, spec §10.9–11).
 *
 * It keeps the principals with a live connection here (record and connection ids), to
 * re-announce them when Presence restores their entries after Redis came back empty, and a
 * per-principal queue so a connection's join is always applied before its leave.
 *
 * While Redis is unreachable a join or leave is retried every `retryMs` until it goes through
 * (a join only while its connection is still live). Before each retried leave, `resync` puts
 * this node's entries back in Redis, so the leave finds the entry and announces the offline
 * principal even when Redis restarted empty meanwhile.
 */
import type { Logger } from 'pino';
import type { Deps } from '../deps.js';
import type { PrincipalRecord } from '../access/principals.js';
import type { PrincipalRef } from '../seams/presence/presence.js';
import { USER_MANAGER_EVENTS } from '../topics.js';
import { teraEvent, type Any } from '../protocol/messages.js';
import { presenceEvent } from './events.js';
import { KeyedQueue } from '../util/keyed-queue.js';

export interface LocalPresenceOptions {
  deps: Pick<Deps, 'presence' | 'bus' | 'codec' | 'log'>;
  /** Puts this node's entries back in the shared presence (RedisPresence.restore). */
  resync?: () => Promise<unknown>;
  /** Pause between attempts while the presence store is unreachable, ms. Default 1000. */
  retryMs?: number;
}

interface Local {
  readonly principal: PrincipalRecord;
  readonly connections: Set<string>;
}

export class LocalPresence {
  private readonly deps: LocalPresenceOptions['deps'];
  private readonly log: Logger;
  private readonly resync: () => Promise<unknown>;
  private readonly retryMs: number;
  private readonly queue: KeyedQueue;
  /** `<kind>:<uuid>` → the principal's live connections on this node. */
  private readonly live = new Map<string, Local>();
  private readonly wakers = new Set<() => void>();
  private closing: Promise<void> | null = null;

  constructor(options: LocalPresenceOptions) {
    this.deps = options.deps;
    this.log = options.deps.log.child({ module: 'local-presence' });
    this.resync = options.resync ?? (() => Promise.resolve());
    this.retryMs = options.retryMs ?? 1000;
    this.queue = new KeyedQueue((err, key) => this.log.error({ err, key }, 'presence task failed'));
  }

  /** A connection of `principal` is open and has its own CONNECTED. */
  connected(principal: PrincipalRecord, connectionId: string): void {
    const key = keyOf(principal);
    let local = this.live.get(key);
    if (!local) this.live.set(key, (local = { principal, connections: new Set() }));
    local.connections.add(connectionId);
    const { kind, uuid } = principal;
    this.queue.run(key, async () => {
      const isLive = (): boolean => this.live.get(key)?.connections.has(connectionId) ?? false;
      const join = () => this.deps.presence.join(kind, uuid, connectionId);
      if (await this.attempt('join', join, isLive)) await this.announce(principal, 'connected');
    });
  }

  /** A connection announced by `connected` is gone. */
  disconnected(principal: PrincipalRecord, connectionId: string): void {
    const key = keyOf(principal);
    const local = this.live.get(key);
    if (!local?.connections.delete(connectionId)) return;
    if (local.connections.size === 0) this.live.delete(key);
    const { kind, uuid } = principal;
    let retried = false;
    const leave = async (): Promise<boolean> => {
      if (retried) await this.resync();
      retried = true;
      return this.deps.presence.leave(kind, uuid, connectionId);
    };
    this.queue.run(key, async () => {
      if (await this.attempt('leave', leave, () => true))
        await this.announce(principal, 'disconnected');
    });
  }

  /** Principals whose entries came back after a Redis restart: announce them again. */
  restored(refs: PrincipalRef[]): void {
    for (const ref of refs) {
      const key = `${ref.kind}:${ref.uuid}`;
      const local = this.live.get(key);
      if (!local) continue;
      this.queue.run(key, async () => {
        // A leave queued before this task may have taken the principal offline again.
        if (!this.live.has(key) || !(await this.deps.presence.isOnline(ref.kind, ref.uuid))) return;
        await this.announce(local.principal, 'connected');
      });
    }
  }

  /** Stops retrying and waits for the queued work. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const wake of [...this.wakers]) wake();
      await this.queue.drain();
    })();
    return this.closing;
  }

  /** Runs `op` until it succeeds; false once `keepTrying` says no or the node is closing. */
  private async attempt(
    what: string,
    op: () => Promise<boolean>,
    keepTrying: () => boolean,
  ): Promise<boolean> {
    for (let failures = 0; ; failures++) {
      try {
        return await op();
      } catch (err) {
        if (failures === 0)
          this.log.warn({ err: (err as Error).message }, `presence ${what} failed; retrying`);
        if (this.closing || !keepTrying()) return false;
        await this.pause();
        if (this.closing || !keepTrying()) return false;
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.retryMs);
      this.wakers.add(wake);
    });
  }

  private async announce(principal: PrincipalRecord, change: 'connected' | 'disconnected') {
    const any: Any = presenceEvent(principal, change);
    const { bus, codec } = this.deps;
    await bus.publish(
      USER_MANAGER_EVENTS,
      codec.encodeEvent(teraEvent(USER_MANAGER_EVENTS, [any])),
    );
  }
}

const keyOf = (p: PrincipalRecord): string => `${p.kind}:${p.uuid}`;
