/**
 * LocalPresence: the presence of this node's own websocket connections. The node that owns a
 * connection joins and leaves its Presence entry itself (Redis entries are refreshed by the
 * node that created them), and announces CONNECTED when the principal comes online and
 * DISCONNECTED when it goes offline. Since `join`/`leave` report each transition to exactly
 * one caller, each change is announced once across the cluster, and a principal with several
 * connections stays online until its last one leaves.
 *
 * It keeps only a per-principal queue, so a connection's join is always applied before its
 * leave, and the ids of live observer connections; which connections are live it reads from
 * the hub's registry (`live`).
 *
 * An observer connection (a user's opt-in extra connection, see the gateway) is left out of
 * presence entirely: it never joins or leaves an entry, so it is never announced, never makes
 * its principal online, and never counts as "already online" for a later login.
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
import { principalKey, type PrincipalKind } from '../principal.js';
import { KeyedQueue } from '../util/keyed-queue.js';
import { WakeableSleep } from '../util/timers.js';
import { announce, presenceEvent } from './events.js';

/** This node's live connections (the hub). */
export interface LiveConnections {
  membersOf(
    kind: PrincipalKind,
    uuid: string,
  ): ReadonlySet<{ readonly id: string; readonly principal: PrincipalRecord }>;
}

export interface LocalPresenceOptions {
  deps: Pick<Deps, 'presence' | 'bus' | 'codec' | 'log'>;
  live: LiveConnections;
  /** Puts this node's entries back in the shared presence (RedisPresence.restore). */
  resync?: () => Promise<unknown>;
  /** Pause between attempts while the presence store is unreachable, ms. Default 1000. */
  retryMs?: number;
}

export class LocalPresence {
  private readonly deps: LocalPresenceOptions['deps'];
  private readonly log: Logger;
  private readonly resync: () => Promise<unknown>;
  private readonly retryMs: number;
  private readonly queue: KeyedQueue;
  private readonly live: LiveConnections;
  private readonly pauses = new WakeableSleep();
  private closing: Promise<void> | null = null;
  /** Live observer connections, by id: their end is not a leave either. */
  private readonly observers = new Set<string>();

  constructor(options: LocalPresenceOptions) {
    this.deps = options.deps;
    this.live = options.live;
    this.log = options.deps.log.child({ module: 'local-presence' });
    this.resync = options.resync ?? (() => Promise.resolve());
    this.retryMs = options.retryMs ?? 1000;
    this.queue = new KeyedQueue((err, key) => this.log.error({ err, key }, 'presence task failed'));
  }

  /**
   * A connection of `principal`, live in the hub, is open and has its own CONNECTED. An
   * observer is only remembered, so that its end is skipped too. Settles (never rejects) once
   * the join was applied or given up.
   */
  connected(
    principal: PrincipalRecord,
    connectionId: string,
    options: { observer?: boolean } = {},
  ): Promise<void> {
    if (options.observer) {
      this.observers.add(connectionId);
      return Promise.resolve();
    }
    const { kind, uuid } = principal;
    const isLive = (): boolean =>
      [...this.live.membersOf(kind, uuid)].some((c) => c.id === connectionId);
    return this.queue.run(principalKey(kind, uuid), async () => {
      const join = () => this.deps.presence.join(kind, uuid, connectionId);
      if (await this.attempt('join', join, isLive)) await this.announce(principal, 'connected');
    });
  }

  /** A connection announced by `connected` is gone (already out of the hub). */
  disconnected(principal: PrincipalRecord, connectionId: string): void {
    if (this.observers.delete(connectionId)) return;
    const { kind, uuid } = principal;
    let retried = false;
    const leave = async (): Promise<boolean> => {
      if (retried) await this.resync();
      retried = true;
      return this.deps.presence.leave(kind, uuid, connectionId);
    };
    this.queue.run(principalKey(kind, uuid), async () => {
      if (await this.attempt('leave', leave, () => true))
        await this.announce(principal, 'disconnected');
    });
  }

  /** Principals whose entries came back after a Redis restart: announce them again. */
  restored(refs: PrincipalRef[]): void {
    for (const { kind, uuid } of refs) {
      const first = (): PrincipalRecord | undefined =>
        this.live.membersOf(kind, uuid).values().next().value?.principal;
      if (!first()) continue;
      this.queue.run(principalKey(kind, uuid), async () => {
        // A leave queued before this task may have taken the principal offline again.
        const principal = first();
        if (!principal || !(await this.deps.presence.isOnline(kind, uuid))) return;
        await this.announce(principal, 'connected');
      });
    }
  }

  /** Stops retrying and waits for the queued work. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.pauses.wakeAll();
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
    return this.pauses.sleep(this.retryMs);
  }

  private announce(principal: PrincipalRecord, change: 'connected' | 'disconnected') {
    return announce(this.deps, presenceEvent(principal, change));
  }
}
