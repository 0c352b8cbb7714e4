/**
 * RedisResumeTokens: one key per token, `terarelay:resume:<sha256>` → the record as JSON, with a
 * PX expiry; `extend` is one pipeline of PEXPIRE (a key already gone stays gone).
 * Failures reject with AppError UNAVAILABLE.
 */
import type { Redis } from 'ioredis';
import { redisCall } from '../redis-client.js';
import { parseResumeRecord, type ResumeRecord, type ResumeTokens } from './tokens.js';

export interface RedisResumeTokensOptions {
  /** A `commands` client; shared, not closed by this class. */
  redis: Redis;
  /** Key prefix. Default `terarelay:resume:`. */
  prefix?: string;
}

export class RedisResumeTokens implements ResumeTokens {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisResumeTokensOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'terarelay:resume:';
  }

  async save(hash: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    const { kind, uuid, connection } = record;
    const value = JSON.stringify({ kind, uuid, connection });
    await redisCall('resume token', () =>
      this.redis.set(this.prefix + hash, value, 'PX', Math.max(1, Math.ceil(ttlMs))),
    );
  }

  async find(hash: string): Promise<ResumeRecord | null> {
    return parseResumeRecord(
      await redisCall('resume token', () => this.redis.get(this.prefix + hash)),
    );
  }

  async extend(hashes: readonly string[], ttlMs: number): Promise<void> {
    if (hashes.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const hash of hashes) pipeline.pexpire(this.prefix + hash, Math.max(1, Math.ceil(ttlMs)));
    await redisCall('resume token', () => pipeline.exec());
  }

  async close(): Promise<void> {}
}
