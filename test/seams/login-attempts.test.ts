import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLoginAttempts } from '../../src/seams/login-attempts/memory.js';
import { ATTEMPTS_KEY_PREFIX, RedisLoginAttempts } from '../../src/seams/login-attempts/redis.js';
import { loginAttemptsContract } from '../contracts/login-attempts.contract.js';
import { redisSuite } from '../kit/redis-suite.js';

describe('MemoryLoginAttempts', () => {
  loginAttemptsContract(async () => new MemoryLoginAttempts());
});

describe('RedisLoginAttempts', () => {
  const suite = redisSuite();

  loginAttemptsContract(async () => {
    if ('skip' in suite.server) return suite.server;
    return new RedisLoginAttempts({ redis: suite.client() });
  });

  test('counters live under the prefix with the first window as their ttl', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const redis = suite.client();
    const store = new RedisLoginAttempts({ redis });
    await store.increment('user:abc|127.0.0.1', 60_000);
    await store.increment('user:abc|127.0.0.1', 600_000);
    assert.equal(await redis.exists('user:abc|127.0.0.1'), 0);
    assert.equal(await redis.get(`${ATTEMPTS_KEY_PREFIX}user:abc|127.0.0.1`), '2');
    const pttl = await redis.pttl(`${ATTEMPTS_KEY_PREFIX}user:abc|127.0.0.1`);
    assert.ok(pttl > 0 && pttl <= 60_000, `pttl ${pttl}`);
  });

  test('a counter that lost its expiry gets one back on the next increment', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const redis = suite.client();
    const store = new RedisLoginAttempts({ redis });
    await redis.set(`${ATTEMPTS_KEY_PREFIX}stuck`, '7');
    assert.equal(await store.increment('stuck', 30_000), 8);
    const pttl = await redis.pttl(`${ATTEMPTS_KEY_PREFIX}stuck`);
    assert.ok(pttl > 0 && pttl <= 30_000, `pttl ${pttl}`);
  });

  test('Redis gone is UNAVAILABLE', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const redis = suite.client();
    const store = new RedisLoginAttempts({ redis });
    await redis.ping();
    redis.disconnect();
    await assert.rejects(store.increment('k', 1000), { code: 'UNAVAILABLE' });
    await assert.rejects(store.get('k'), { code: 'UNAVAILABLE' });
    await assert.rejects(store.reset('k'), { code: 'UNAVAILABLE' });
  });
});
