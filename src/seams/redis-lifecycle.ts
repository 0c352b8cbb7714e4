/**
 * What a node on Redis does around its seams, beyond the seams' contracts. server.ts wires it
 * only when Redis is configured:
 * - `resync()` puts this node's presence entries back in Redis now (after Redis restarted
 *   empty); it rejects with AppError UNAVAILABLE while Redis is unreachable;
 * - the `onRestored` listener gets the principals whose entries this node put back after such
 *   a restart (by itself on reconnect, or through `resync`): they must be announced again;
 * - `publishTokenKeys` writes the token signing keys where OpenTera's services read them, and
 *   writes them again each time the link is back (a restarted Redis is empty). A failed write
 *   is logged, never thrown.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PrincipalRef } from './presence/presence.js';
import type { RedisPresence } from './presence/redis.js';

export interface RedisLifecycleOptions {
  /** The node's `commands` client; not closed by this class. */
  redis: Redis;
  presence: RedisPresence;
  log: Logger;
}

export class RedisLifecycle {
  private readonly redis: Redis;
  private readonly presence: RedisPresence;
  private readonly log: Logger;
  private tokenKeys: Record<string, string> = {};
  private readonly onReady = (): void => void this.writeTokenKeys();

  constructor(options: RedisLifecycleOptions) {
    this.redis = options.redis;
    this.presence = options.presence;
    this.log = options.log;
    this.redis.on('ready', this.onReady);
  }

  async resync(): Promise<void> {
    await this.presence.restore();
  }

  /** Sets the one listener for restored principals; replaces any previous one. */
  onRestored(listener: (refs: PrincipalRef[]) => void): void {
    this.presence.onRestored(listener);
  }

  /** Key name → key, as OpenTera's services read them. */
  async publishTokenKeys(keys: Record<string, string>): Promise<void> {
    this.tokenKeys = keys;
    await this.writeTokenKeys();
  }

  /** Stops re-publishing on reconnect. */
  close(): void {
    this.redis.off('ready', this.onReady);
  }

  private async writeTokenKeys(): Promise<void> {
    if (Object.keys(this.tokenKeys).length === 0) return;
    try {
      await this.redis.mset(this.tokenKeys);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'could not publish token keys to Redis');
    }
  }
}
