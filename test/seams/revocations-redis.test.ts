import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { closeRedis } from '../../src/seams/redis-client.js';
import {
  DISABLED_TOKEN_SETS,
  REVOCATIONS_SYNCED_KEY,
  RedisRevocations,
} from '../../src/seams/revocations/redis.js';
import { DbRevocations } from '../../src/seams/revocations/db.js';
import { jwtExpiryMs } from '../../src/auth/jwt.js';
import { openDb, type Db } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { closing, fakeJwt, revocationsContract } from '../contracts/revocations.contract.js';
import { waitFor } from '../kit/waiting.js';
import { redisSuite } from '../kit/redis-suite.js';
import { backendSuite, DURABLE_BACKENDS } from '../kit/backends.js';

const HOUR = 3_600_000;

for (const backend of DURABLE_BACKENDS) {
  describe(`RedisRevocations over ${backend.name}`, () => {
    const redis = redisSuite();
    const database = backendSuite(backend, (db) => migrateToLatest(db));
    const client = (name: string): Redis => redis.client(name);

    /** A node's store over its own Redis client and database connection, closed with them. */
    const node = async (
      options: { sweepIntervalMs?: number; redisTimeoutMs?: number } = {},
    ): Promise<{ store: RedisRevocations; redis: Redis; db: Db } | { skip: string }> => {
      if ('skip' in redis.server) return redis.server;
      if (database.skip) return { skip: database.skip };
      const link = client('revocations');
      await link.ping(); // connected, so the store starts on the Redis path
      const db = await openDb(database.db.url!);
      // As buildSeams makes it: the rows (no purge timer of their own) as a dependency.
      const rows = new DbRevocations(db, { purgeIntervalMs: 0 });
      const store = new RedisRevocations({
        redis: link,
        store: rows,
        sweepIntervalMs: 0,
        ...options,
      });
      redis.own({
        async close() {
          await store.close();
          await db.close();
        },
      });
      return { store, redis: link, db };
    };

    revocationsContract(
      async () => {
        // Redis sets have no per-member expiry: the sweep is what forgets expired revocations.
        const n = await node({ sweepIntervalMs: 50 });
        if ('skip' in n) return n;
        return closing(
          n.store,
          () => closeRedis(n.redis),
          () => n.db.close(),
        );
      },
      { durable: true },
    );

    test("Redis holds raw tokens in OpenTera's sets, and honours tokens OpenTera adds", async (t) => {
      const n = await node();
      if ('skip' in n) return t.skip(n.skip);
      const raw = client('raw');
      const user = fakeJwt(Date.now() + HOUR);
      const participant = fakeJwt(Date.now() + HOUR);
      await n.store.revoke('user', user, Date.now() + HOUR);
      await n.store.revoke('participant', participant, Date.now() + HOUR);
      assert.equal(await raw.sismember('user_disabled_tokens', user), 1);
      assert.equal(await raw.sismember('participant_disabled_tokens', participant), 1);
      assert.equal(await raw.sismember('participant_disabled_tokens', user), 0);

      const byOpenTera = fakeJwt(Date.now() + HOUR);
      await raw.sadd('participant_disabled_tokens', byOpenTera);
      assert.equal(await n.store.isRevoked('participant', byOpenTera), true);
      assert.equal(await n.store.isRevoked('user', byOpenTera), false);
    });

    test('a redis-server restart revives no revoked token', async (t) => {
      const server = redis.server;
      if ('skip' in server) return t.skip(server.skip);
      const n = await node();
      if ('skip' in n) return t.skip(n.skip);
      const before = fakeJwt(Date.now() + HOUR);
      const during = fakeJwt(Date.now() + HOUR);
      const never = fakeJwt(Date.now() + HOUR);
      await n.store.revoke('user', before, Date.now() + HOUR);
      await n.store.revoke('participant', before, Date.now() + HOUR);

      await server.stop();
      assert.equal(await n.store.isRevoked('user', before), true, 'answered from the database');
      assert.equal(await n.store.isRevoked('user', never), false);
      await n.store.revoke('user', during, Date.now() + HOUR); // database only, for now
      assert.equal(await n.store.isRevoked('user', during), true);
      await server.start(); // empty: nothing was persisted

      const raw = client('raw-after-restart');
      const repopulated = async (): Promise<boolean> =>
        (await raw.sismember('user_disabled_tokens', before)) === 1 &&
        (await raw.sismember('participant_disabled_tokens', before)) === 1 &&
        (await raw.sismember('user_disabled_tokens', during)) === 1 &&
        (await raw.exists(REVOCATIONS_SYNCED_KEY)) === 1;
      await waitFor(repopulated, { what: 'the sets to be repopulated after the restart' });
      assert.equal(await raw.sismember('user_disabled_tokens', never), 0);
      assert.equal(await n.store.isRevoked('user', before), true);
      assert.equal(await n.store.isRevoked('user', during), true);
      assert.equal(await n.store.isRevoked('user', never), false);
    });

    test("a FLUSHDB (OpenTera's shutdown) revives nothing either", async (t) => {
      const n = await node();
      if ('skip' in n) return t.skip(n.skip);
      const raw = client('raw');
      const token = fakeJwt(Date.now() + HOUR);
      await n.store.revoke('user', token, Date.now() + HOUR);
      await raw.flushdb();
      assert.equal(await n.store.isRevoked('user', token), true);
      await waitFor(async () => (await raw.sismember('user_disabled_tokens', token)) === 1, {
        what: 'the set to be repopulated after FLUSHDB',
      });
    });

    test('a Redis that stops answering or fails is bypassed for the database', async (t) => {
      const n = await node({ redisTimeoutMs: 100 });
      if ('skip' in n) return t.skip(n.skip);
      const revoked = fakeJwt(Date.now() + HOUR);
      const other = fakeJwt(Date.now() + HOUR);
      await n.store.revoke('user', revoked, Date.now() + HOUR);
      const raw = client('raw');
      await raw.call('CLIENT', 'PAUSE', '1000', 'ALL');
      assert.equal(await n.store.isRevoked('user', revoked), true);
      assert.equal(await n.store.isRevoked('user', other), false);
      n.redis.disconnect();
      assert.equal(await n.store.isRevoked('user', revoked), true);
      assert.equal(await n.store.isRevoked('user', other), false);
    });

    test('the sweep removes every expired member, however the set is ordered', async (t) => {
      const n = await node();
      if ('skip' in n) return t.skip(n.skip);
      const raw = client('raw');
      const now = Date.now();
      const expiredOurs: string[] = [];
      const live: string[] = [];
      for (let i = 0; i < 600; i++) {
        const expires = i % 2 ? now + 20 : now + HOUR;
        const token = `opaque-${i}-${Math.random()}`; // not a JWT: the database row says when
        await n.store.revoke('user', token, expires);
        (i % 2 ? expiredOurs : live).push(token);
      }
      const expiredTheirs = Array.from({ length: 600 }, () => fakeJwt(now - 1000));
      const liveTheirs = Array.from({ length: 50 }, () => fakeJwt(now + HOUR));
      await raw.sadd('user_disabled_tokens', ...expiredTheirs, ...liveTheirs, 'not-a-jwt');
      // They share one expiry: once one is forgotten, all are.
      await waitFor(async () => !(await n.store.isRevoked('user', expiredOurs.at(-1)!)), {
        what: 'the short revocations to expire',
      });
      await n.store.sweep();
      const members = new Set(await raw.smembers('user_disabled_tokens'));
      for (const token of [...expiredOurs, ...expiredTheirs])
        assert.ok(!members.has(token), 'expired member kept');
      for (const token of [...live, ...liveTheirs, 'not-a-jwt'])
        assert.ok(members.has(token), 'live member removed');
      const rows = await new DbRevocations(n.db, { purgeIntervalMs: 0 }).expiries(
        'user',
        expiredOurs,
      );
      assert.equal(rows.size, 0, 'expired rows purged');
    });

    test('the sweep runs periodically on its own', async (t) => {
      const n = await node({ sweepIntervalMs: 20 });
      if ('skip' in n) return t.skip(n.skip);
      const raw = client('raw');
      const stale = fakeJwt(Date.now() - 1000);
      await raw.sadd('participant_disabled_tokens', stale);
      await waitFor(async () => (await raw.sismember('participant_disabled_tokens', stale)) === 0, {
        what: 'the periodic sweep to remove the stale member',
      });
    });
  });
}

test('jwtExpiryMs reads exp, and nothing from junk', () => {
  assert.equal(jwtExpiryMs(fakeJwt(1_700_000_000_000)), 1_700_000_000_000);
  for (const junk of [
    '',
    'a.b',
    'a.b.c',
    'x.' + Buffer.from('{"exp":"soon"}').toString('base64url') + '.y',
  ])
    assert.equal(jwtExpiryMs(junk), undefined);
  assert.deepEqual(DISABLED_TOKEN_SETS, {
    user: 'user_disabled_tokens',
    participant: 'participant_disabled_tokens',
  });
});
