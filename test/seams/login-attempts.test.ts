import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiterRes } from 'rate-limiter-flexible';
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

  test('counts live under the prefix and the name, with the first window as their ttl', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const redis = suite.client();
    const counter = new RedisLoginAttempts({ redis }).counter('pair', {
      points: 5,
      durationSeconds: 60,
    });
    await counter.consume('user:abc:127.0.0.1');
    await counter.consume('user:abc:127.0.0.1');
    assert.equal(await redis.exists('user:abc:127.0.0.1'), 0);
    assert.equal(await redis.get(`${ATTEMPTS_KEY_PREFIX}pair:user:abc:127.0.0.1`), '2');
    const pttl = await redis.pttl(`${ATTEMPTS_KEY_PREFIX}pair:user:abc:127.0.0.1`);
    assert.ok(pttl > 0 && pttl <= 60_000, `pttl ${pttl}`);
  });

  test('two stores on one Redis share the counts (as two nodes do)', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const options = { points: 5, durationSeconds: 60 };
    const a = new RedisLoginAttempts({ redis: suite.client() }).counter('address', options);
    const b = new RedisLoginAttempts({ redis: suite.client() }).counter('address', options);
    await a.consume('198.51.100.1');
    assert.equal((await b.consume('198.51.100.1')).consumedPoints, 2);
  });

  test('Redis gone rejects with an Error that is not a refusal', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const redis = suite.client();
    const counter = new RedisLoginAttempts({ redis }).counter('address', {
      points: 5,
      durationSeconds: 60,
    });
    await redis.ping();
    redis.disconnect();
    for (const op of [counter.consume('k'), counter.get('k'), counter.reward('k')]) {
      const e = await op.then(
        () => assert.fail('resolved without Redis'),
        (err: unknown) => err,
      );
      assert.ok(e instanceof Error && !(e instanceof RateLimiterRes), String(e));
    }
  });
});
