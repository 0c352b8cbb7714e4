import { describe, test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRevocations } from '../../src/seams/revocations/memory.js';
import { DbRevocations } from '../../src/seams/revocations/db.js';
import type { Db } from '../../src/store/connect.js';
import { fakeJwt, revocationsContract } from '../contracts/revocations.contract.js';
import {
  closing,
  postgresBackend,
  sqliteFileBackend,
  type DbBackend,
} from '../kit/revocation-backends.js';

describe('MemoryRevocations', () => {
  revocationsContract(async () => new MemoryRevocations());
});

for (const makeBackend of [sqliteFileBackend, postgresBackend]) {
  describe(`DbRevocations on ${makeBackend === sqliteFileBackend ? 'a SQLite file' : 'PostgreSQL'}`, () => {
    let backend: DbBackend | { skip: string };
    before(async () => {
      backend = await makeBackend();
    });
    after(async () => {
      if (!('skip' in backend)) await backend.close();
    });

    revocationsContract(
      async () => {
        if ('skip' in backend) return backend;
        const db = await backend.open();
        return closing(new DbRevocations(db), () => db.close());
      },
      { durable: true },
    );

    /** A test body run with a store (no timed purge) over a fresh connection, both closed after. */
    const withDbStore =
      (body: (store: DbRevocations, db: Db) => Promise<void>) =>
      async (t: TestContext): Promise<void> => {
        if ('skip' in backend) return t.skip(backend.skip);
        const db = await backend.open();
        const store = new DbRevocations(db, { purgeIntervalMs: 0 });
        try {
          await body(store, db);
        } finally {
          await store.close();
          await db.close();
        }
      };

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
      if ('skip' in backend) return t.skip(backend.skip);
      const db = await backend.open();
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
