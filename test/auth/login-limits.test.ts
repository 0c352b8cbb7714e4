/**
 * Login limits under concurrency, on a real server over TLS, with the counters in memory and
 * in Redis: a burst of failures from one address gets its limit of bcrypt checks and then 429
 * without delaying other addresses; concurrent correct logins from one address (a clinic
 * behind one NAT address) are never refused.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { TestResponse, TestServer } from '../kit/server.js';
import { serverFor } from '../kit/http.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { waitFor } from '../kit/waiting.js';
import { DEFAULTS, loadConfig, type ConfigKey } from '../../src/config.js';
import { LoginThrottle } from '../../src/auth/lockout.js';
import { RedisLoginAttempts } from '../../src/seams/login-attempts/redis.js';
import { closeRedis, createRedis } from '../../src/seams/redis-client.js';
import { loginFrom, passwordChecks, pendingChecks, setPassword } from './login-kit.js';

/** The address failure limit of the burst test (small: each check of an unknown name is cost 12). */
const BURST_LIMIT = 6;

for (const backend of ['memory', 'redis'] as const) {
  describe(`login limits (${backend})`, () => {
    let redis: PrivateRedis | { skip: string } | null = null;
    before(async () => {
      if (backend === 'redis') redis = await startPrivateRedis();
    });
    after(async () => {
      if (redis && !('skip' in redis)) await redis.close();
    });

    /** A fresh server on this backend, or null when the test is skipped. */
    const start = async (
      t: TestContext,
      overrides: Partial<Record<ConfigKey, unknown>> = {},
    ): Promise<TestServer | null> => {
      if (redis && 'skip' in redis) {
        t.skip(redis.skip);
        return null;
      }
      return serverFor(t, { ...overrides, ...(redis ? { redis: redis.url } : {}) });
    };

    test('a burst of 100 failures from one address runs its limit of checks, then gets 429; another address logs in before the burst ends', async (t) => {
      const server = await start(t, { loginAddressLimit: BURST_LIMIT });
      if (!server) return;
      // A cheap hash: the order then shows when the check was admitted, not how long it took.
      await setPassword(server, 'user2', 'user2', 4);
      const completed: string[] = [];
      const tagged = (tag: string, answer: Promise<TestResponse>) =>
        answer.then((r) => {
          completed.push(tag);
          return r;
        });
      const burst = Array.from({ length: 100 }, (_, i) =>
        tagged('burst', loginFrom(server, '127.0.0.2', `ghost${i}`, 'wrong')),
      );
      // Every request of the burst is answered, running or waiting its turn.
      await waitFor(async () => completed.length + (await pendingChecks(server)) >= 100, {
        what: 'the whole burst to reach the password checks',
      });
      const other = tagged('other', loginFrom(server, '127.0.0.3', 'user2', 'user2'));
      const answers = await Promise.all(burst);
      assert.equal((await other).status, 200);
      assert.ok(
        completed.indexOf('other') < completed.lastIndexOf('burst'),
        `the other address answered after the whole burst: ${completed.join(' ')}`,
      );
      const statuses = answers.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 401).length, BURST_LIMIT);
      assert.equal(statuses.filter((s) => s === 429).length, 100 - BURST_LIMIT);
      const throttled = answers.find((r) => r.status === 429)!;
      assert.equal(throttled.json<{ code: string }>().code, 'TOO_MANY_REQUESTS');
      assert.equal(
        await passwordChecks(server),
        BURST_LIMIT + 1,
        "the burst's checks and the other's",
      );
    });

    test('40 concurrent logins with the right password from one address all succeed', async (t) => {
      const server = await start(t);
      if (!server) return;
      // Cost 9: checks still overlap, and 40 of them stay quick.
      await setPassword(server, 'user3', 'user3', 9);
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => loginFrom(server, '127.0.0.5', 'user3', 'user3')),
      );
      assert.deepEqual(
        answers.map((r) => r.status),
        Array.from({ length: 40 }, () => 200),
      );
      assert.equal(await passwordChecks(server), 40);
    });
  });
}

describe('login limit settings', () => {
  test('more checks at once per address than in all, or than the account limit, are refused', () => {
    const load = (flags: Partial<Record<ConfigKey, unknown>>) => () =>
      loadConfig({ env: {}, flags: { db: 'sqlite::memory:', ...flags } });
    assert.throws(load({ passwordChecks: 2, checksPerAddress: 3 }), {
      code: 'CONFIG_INVALID',
      message: /--checks-per-address.*at most --password-checks/,
    });
    assert.throws(load({ loginAccountLimit: 2, checksPerAddress: 3 }), {
      message: /--checks-per-address.*at most --login-account-limit/,
    });
    assert.throws(load({ loginAddressLimit: 0 }), { message: /--login-address-limit/ });
    const c = loadConfig({
      env: { TERARELAY_LOGIN_ADDRESS_WINDOW: '30', TERARELAY_PASSWORD_CHECKS: '8' },
      flags: { db: 'sqlite::memory:' },
    });
    assert.equal(c.loginAddressWindow, 30);
    assert.equal(c.passwordChecks, 8);
    assert.equal(c.loginAccountLimit, DEFAULTS.loginAccountLimit);
  });
});

describe('login limits without their store', () => {
  let redis: PrivateRedis | { skip: string };
  before(async () => {
    redis = await startPrivateRedis();
  });
  after(async () => {
    if (!('skip' in redis)) await redis.close();
  });

  test('Redis gone: the limits answer UNAVAILABLE (503), never "no failures"', async (t) => {
    if ('skip' in redis) return t.skip(redis.skip);
    const client = createRedis(redis.url, { name: 'test' });
    t.after(() => closeRedis(client));
    const throttle = new LoginThrottle(new RedisLoginAttempts({ redis: client }), DEFAULTS);
    assert.equal(await throttle.peek('user', 'u', '127.0.0.2'), 'ok');
    client.disconnect();
    await assert.rejects(throttle.peek('user', 'u', '127.0.0.2'), { code: 'UNAVAILABLE' });
    await assert.rejects(throttle.admit('user', 'u', '127.0.0.2'), { code: 'UNAVAILABLE' });
    await assert.rejects(throttle.success('user', 'u', '127.0.0.2'), { code: 'UNAVAILABLE' });
  });
});
