/**
 * RedisLeadership: a lease on one key (`SET key nodeId NX PX ttl`), renewed every ttl/3 by a
 * compare-and-renew script (renew.lua), released on close by a compare-and-delete script
 * (release.lua). A node steps down before its lease can have expired in Redis: it keeps the
 * moment its lease stops being valid, so it steps down on time even when Redis stops
 * answering, and at once when its link drops (Redis may have restarted empty and another node
 * taken the key).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Leadership } from './leadership.js';

export const LEADER_KEY = 'terarelay:leader:user-manager';

const RENEW = readFileSync(new URL('./renew.lua', import.meta.url), 'utf8');
const RELEASE = readFileSync(new URL('./release.lua', import.meta.url), 'utf8');

export interface RedisLeadershipOptions {
  /** A `commands` client (src/seams/redis-client.ts); not closed by this class. */
  redis: Redis;
  nodeId: string;
  /** Lease lifetime, ms: how long a dead leader blocks the others at most. */
  ttlMs: number;
  log: Logger;
}

export class RedisLeadership implements Leadership {
  private readonly redis: Redis;
  private readonly nodeId: string;
  private readonly ttlMs: number;
  private readonly log: Logger;
  private readonly listeners: Array<(leader: boolean) => void> = [];
  private readonly timer: NodeJS.Timeout;
  private expiry: NodeJS.Timeout | undefined;
  /** Local time (ms) after which the lease may have expired in Redis; 0 when not held. */
  private validUntil = 0;
  private leader = false;
  private ticking = false;
  private closed = false;
  private readonly onLinkLost = (): void => this.stepDown('Redis link lost');
  private readonly onLinkReady = (): void => void this.tick();

  constructor(options: RedisLeadershipOptions) {
    this.redis = options.redis;
    this.nodeId = options.nodeId;
    this.ttlMs = options.ttlMs;
    this.log = options.log.child({ component: 'leader' });
    // A lost link may mean Redis restarted empty and another node takes the key: stop at once.
    this.redis.on('close', this.onLinkLost);
    this.redis.on('ready', this.onLinkReady);
    this.timer = setInterval(() => void this.tick(), Math.max(Math.floor(this.ttlMs / 3), 50));
    this.timer.unref();
    void this.tick();
  }

  get isLeader(): boolean {
    return this.leader && Date.now() < this.validUntil;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.redis.off('close', this.onLinkLost);
    this.redis.off('ready', this.onLinkReady);
    const held = this.leader;
    this.stepDown('closing');
    if (!held || this.redis.status !== 'ready') return;
    try {
      await this.redis.eval(RELEASE, 1, LEADER_KEY, this.nodeId);
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'lease release failed; it will expire');
    }
  }

  /** One acquire-or-renew round; rounds never overlap. */
  private async tick(): Promise<void> {
    if (this.closed || this.ticking || this.redis.status !== 'ready') return;
    this.ticking = true;
    const started = Date.now();
    try {
      let held = false;
      if (this.leader)
        held = Number(await this.redis.eval(RENEW, 1, LEADER_KEY, this.nodeId, this.ttlMs)) === 1;
      if (!held)
        held = (await this.redis.set(LEADER_KEY, this.nodeId, 'PX', this.ttlMs, 'NX')) === 'OK';
      if (this.closed) return;
      if (held) this.hold(started + this.ttlMs - Math.min(this.ttlMs / 10, 500));
      else this.stepDown('lease held by another node');
    } catch (err) {
      // Keep the lease until its local deadline: the next round may still renew it.
      this.log.debug({ err: (err as Error).message }, 'lease round failed');
    } finally {
      this.ticking = false;
    }
  }

  private hold(validUntil: number): void {
    this.validUntil = validUntil;
    clearTimeout(this.expiry);
    this.expiry = setTimeout(
      () => this.stepDown('lease not renewed in time'),
      validUntil - Date.now(),
    );
    this.expiry.unref();
    if (this.leader) return;
    this.leader = true;
    this.log.info('this node is now the UserManager leader');
    this.emit(true);
  }

  private stepDown(reason: string): void {
    clearTimeout(this.expiry);
    this.validUntil = 0;
    if (!this.leader) return;
    this.leader = false;
    this.log.info({ reason }, 'this node stopped being the UserManager leader');
    this.emit(false);
  }

  private emit(leader: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (err) {
        this.log.error({ err }, 'leadership listener threw');
      }
    }
  }
}
