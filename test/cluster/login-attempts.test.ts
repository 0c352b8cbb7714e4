import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from '../../src/cluster/redis.js';
import { MemoryLoginAttempts } from '../../src/cluster/login-attempts-memory.js';
import { ATTEMPTS_KEY_PREFIX, RedisLoginAttempts } from '../../src/cluster/login-attempts-redis.js';
import { loginAttemptsContract } from '../contracts/login-attempts.contract.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis.js';

describe('MemoryLoginAttempts', () => {
  loginAttemptsContract(async () => new MemoryLoginAttempts());
});

describe('RedisLoginAttempts', () => {
  let server: PrivateRedis | { skip: string };
  const clients: Redis[] = [];
  const client = (url: string): Redis => {
    const redis = createRedis(url, { name: 'test' });
    clients.push(redis);
    return redis;
  };

  before(async () => {
    server = await startPrivateRedis();
  });
  after(async () => {
    await Promise.all(clients.map((c) => closeRedis(c)));
    if (!('skip' in server)) await server.close();
  });

  loginAttemptsContract(async () => {
    if ('skip' in server) return server;
    return new RedisLoginAttempts({ redis: client(server.url) });
  });

  test('counters live under the prefix with the first window as their ttl', async (t) => {
    if ('skip' in server) return t.skip(server.skip);
    const redis = client(server.url);
    const store = new RedisLoginAttempts({ redis });
    await store.increment('user:abc|127.0.0.1', 60_000);
    await store.increment('user:abc|127.0.0.1', 600_000);
    assert.equal(await redis.exists('user:abc|127.0.0.1'), 0);
    assert.equal(await redis.get(`${ATTEMPTS_KEY_PREFIX}user:abc|127.0.0.1`), '2');
    const pttl = await redis.pttl(`${ATTEMPTS_KEY_PREFIX}user:abc|127.0.0.1`);
    assert.ok(pttl > 0 && pttl <= 60_000, `pttl ${pttl}`);
  });

  test('a counter that lost its expiry gets one back on the next increment', async (t) => {
    if ('skip' in server) return t.skip(server.skip);
    const redis = client(server.url);
    const store = new RedisLoginAttempts({ redis });
    await redis.set(`${ATTEMPTS_KEY_PREFIX}stuck`, '7');
    assert.equal(await store.increment('stuck', 30_000), 8);
    const pttl = await redis.pttl(`${ATTEMPTS_KEY_PREFIX}stuck`);
    assert.ok(pttl > 0 && pttl <= 30_000, `pttl ${pttl}`);
  });

  test('Redis gone is UNAVAILABLE', async (t) => {
    if ('skip' in server) return t.skip(server.skip);
    const redis = client(server.url);
    const store = new RedisLoginAttempts({ redis });
    await redis.ping();
    redis.disconnect();
    await assert.rejects(store.increment('k', 1000), { code: 'UNAVAILABLE' });
    await assert.rejects(store.get('k'), { code: 'UNAVAILABLE' });
    await assert.rejects(store.reset('k'), { code: 'UNAVAILABLE' });
  });
});
