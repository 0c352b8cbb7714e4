/**
 * `terarelay check`: whether a configuration would run, without starting a node. It reads the
 * configured certificate and key, reaches the database (one trivial query, no migration, no
 * write) and Redis (PING), each within a bound, and reports one line per check. Nothing is
 * changed anywhere.
 */
import type { Config } from './config.js';
import { maskUrl } from './config.js';
import { checkConfiguredTls } from './tls.js';
import { withTimeout } from './util/timers.js';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const REACH_MS = 5000;

/** Runs every check; never throws. */
export async function checkDeployment(config: Config): Promise<CheckResult[]> {
  return [await checkTls(config), await checkDatabase(config), await checkRedis(config)];
}

async function checkTls(config: Config): Promise<CheckResult> {
  const name = 'tls';
  if (config.tls === 'off') return { name, ok: true, detail: 'off (plain HTTP behind a proxy)' };
  try {
    const material = checkConfiguredTls(config);
    return material
      ? { name, ok: true, detail: `${config.tlsCert ?? ''} and its key match` }
      : { name, ok: true, detail: 'self-signed certificate (none configured)' };
  } catch (e) {
    return { name, ok: false, detail: (e as Error).message };
  }
}

async function checkDatabase(config: Config): Promise<CheckResult> {
  const name = 'database';
  const where = maskUrl(config.db);
  try {
    const { openDb } = await import('./store/connect.js');
    const { databaseAnswers } = await import('./store/queries/health.js');
    const db = await withTimeout(openDb(config.db), REACH_MS, `${where} did not answer`);
    try {
      await withTimeout(databaseAnswers(db), REACH_MS, `${where} did not answer`);
    } finally {
      await db.close();
    }
    return { name, ok: true, detail: `${where} answers` };
  } catch (e) {
    return { name, ok: false, detail: `${where}: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function checkRedis(config: Config): Promise<CheckResult> {
  const name = 'redis';
  if (config.redis === null) return { name, ok: true, detail: 'none (one node, in-memory seams)' };
  const where = maskUrl(config.redis);
  const { Redis } = await import('ioredis');
  const { redisUrlOptions } = await import('./seams/redis-client.js');
  const redis = new Redis({
    ...redisUrlOptions(config.redis),
    lazyConnect: true,
    connectTimeout: REACH_MS,
    commandTimeout: REACH_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause: Error | null = null;
  redis.on('error', (err: Error) => (cause ??= err));
  try {
    await redis.connect();
    const pong = await redis.ping();
    return { name, ok: pong === 'PONG', detail: `${where} answers ${pong}` };
  } catch (e) {
    const reason = (cause ?? (e as Error)).message.split('\n')[0];
    return { name, ok: false, detail: `${where}: ${reason}` };
  } finally {
    redis.disconnect();
  }
}
