/**
 * Prepared statements on PostgreSQL (src/store/preparing-pool.ts): a text marked with
 * `Db.prepare` runs as a named statement on the connection that runs it, with the same rows as
 * before; other queries are not prepared. On a private PostgreSQL database.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDb, type Db } from '../../src/store/connect.js';
import { createTestDatabase, type TestDatabase } from '../kit/postgres.js';

let database: TestDatabase | undefined;
let db: Db | undefined;
/** Why the test did not run: PostgreSQL unreachable (printed loudly; under CI=true, an error). */
let skip = '';

before(async () => {
  const created = await createTestDatabase();
  if ('skip' in created) skip = created.skip;
  else {
    database = created;
    db = await openDb(created.url);
  }
});

after(async () => {
  await db?.close();
  await database?.drop();
});

test('a marked query runs as a named prepared statement; others do not', async (t) => {
  if (!db) return t.skip(skip);
  const hot = sql<{ n: number }>`select ${1}::int + 1 as n`.compile(db.kysely);
  const cold = sql<{ n: number }>`select ${2}::int + 1 as n`.compile(db.kysely);
  db.prepare(hot.sql);
  // One transaction: one connection, whose prepared statements pg_prepared_statements lists.
  await db.kysely.transaction().execute(async (trx) => {
    for (let i = 0; i < 2; i++) {
      assert.deepEqual((await trx.executeQuery(hot)).rows, [{ n: 2 }]);
      assert.deepEqual((await trx.executeQuery(cold)).rows, [{ n: 3 }]);
    }
    const listed = await sql<{
      statement: string;
    }>`select statement from pg_prepared_statements`.execute(trx);
    assert.deepEqual(
      listed.rows.map((r) => r.statement),
      [hot.sql],
    );
  });
});
