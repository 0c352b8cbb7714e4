import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DbRevocations } from '../../src/seams/revocations/db.js';
import { openDb, type Db } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { closing, fakeJwt, revocationsContract } from '../contracts/revocations.contract.js';
import { backendSuite, DURABLE_BACKENDS } from '../kit/backends.js';
import { storeTest } from '../kit/with-store.js';

for (const backend of DURABLE_BACKENDS) {
  describe(`DbRevocations on ${backend.name}`, () => {
    const suite = backendSuite(backend, (db) => migrateToLatest(db));
    /** A new connection to the suite's database. */
    const connect = (): Promise<Db> => openDb(suite.db.url!);

    revocationsContract(
      async () => {
        if (suite.skip) return { skip: suite.skip };
        const db = await connect();
        return closing(new DbRevocations(db), () => db.close());
      },
      { durable: true },
    );

    /** A test body run with a store (no timed purge) over a fresh connection, both closed after. */
    type Opened = { store: DbRevocations; db: Db; close(): Promise<void> };
    const withDbStore = (body: (store: DbRevocations, db: Db) => Promise<void>) =>
      storeTest<Opened>(async () => {
        if (suite.skip) return { skip: suite.skip };
        const db = await connect();
        const store = new DbRevocations(db, { purgeIntervalMs: 0 });
        const close = async (): Promise<void> => {
          await store.close();
          await db.close();
        };
        return { store, db, close };
      })(({ store, db }) => body(store, db));

    test(
      'purge deletes the expired rows and only those',
      withDbStore(async (store, db) => {
        const now = Date.now();
        const soon = fakeJwt(now + 1000);
        const later = fakeJwt(now + 3_600_000);
        await store.revoke('user', soon, now + 1000);
        await store.revoke('participant', later, now + 3_600_000);
        assert.ok((await store.purge(now + 2000)) >= 1);
        const rows = await db.kysely
          .selectFrom('terarelay_revoked_tokens')
          .select(['token_kind', 'token', 'expires_at'])
          .where('token', 'in', [soon, later])
          .execute();
        assert.deepEqual(rows, [
          { token_kind: 'participant', token: later, expires_at: now + 3_600_000 },
        ]);
        assert.deepEqual(
          (await store.live(now + 2000)).filter((r) => r.token === soon || r.token === later),
          [{ kind: 'participant', token: later, expiresAtMs: now + 3_600_000 }],
        );
      }),
    );

    test(
      'a later revoke never shortens a stored expiry',
      withDbStore(async (store) => {
        const token = fakeJwt(Date.now() + 3_600_000);
        const far = Date.now() + 3_600_000;
        await store.revoke('user', token, far);
        await store.revoke('user', token, Date.now() + 60_000);
        assert.deepEqual(await store.expiries('user', [token, 'absent']), new Map([[token, far]]));
      }),
    );

    test('a database failure is UNAVAILABLE, not a crash', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const db = await connect();
      const store = new DbRevocations(db);
      await db.close();
      await assert.rejects(store.isRevoked('user', 'token'), { code: 'UNAVAILABLE' });
      await assert.rejects(store.revoke('user', 'token', Date.now() + 60_000), {
        code: 'UNAVAILABLE',
      });
      assert.equal(await store.isRevoked('user', ''), true);
      await store.close();
    });
  });
}
