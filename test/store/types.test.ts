/** Row types read back the same on every backend: booleans, ISO timestamps, bigint ms. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Db } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { getSetting, setSetting } from '../../src/store/queries/settings.js';
import { BACKENDS, backendSuite } from '../kit/backends.js';

for (const backend of BACKENDS) {
  describe(`db types on ${backend.name}`, () => {
    const suite = backendSuite(backend, async (db) => {
      await migrateToLatest(db);
      await migrateToLatest(db); // idempotent
    });
    const db = (): Db => suite.db;

    test('booleans and timestamps read back as boolean and ISO string', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const k = db().kysely;
      const { id_site } = await k
        .insertInto('t_sites')
        .values({ site_name: 'S' })
        .returning(['id_site', 'site_2fa_required'])
        .executeTakeFirstOrThrow();
      const when = '2025-01-21T10:11:12.345Z';
      const { id_user } = await k
        .insertInto('t_users')
        .values({
          user_uuid: 'u-1',
          user_username: 'u1',
          user_password: 'x',
          user_firstname: 'F',
          user_lastname: 'L',
          user_enabled: true,
          user_superadmin: false,
          user_lastonline: when,
        })
        .returning(['id_user', 'user_enabled as enabled_alias'])
        .executeTakeFirstOrThrow();
      const row = await k
        .selectFrom('t_users')
        .selectAll()
        .where('id_user', '=', id_user)
        .executeTakeFirstOrThrow();
      assert.equal(row.user_enabled, true);
      assert.equal(row.user_superadmin, false);
      assert.equal(row.user_2fa_enabled, false, 'default false');
      assert.equal(row.user_force_password_change, false);
      assert.equal(row.user_lastonline, when);
      assert.equal(row.deleted_at, null);
      assert.equal(typeof row.id_user, 'number');

      // Boolean parameters in where clauses, aliases of boolean columns, returning.
      const enabled = await k
        .selectFrom('t_users')
        .select(['user_username', 'user_enabled as on'])
        .where('user_enabled', '=', true)
        .where('user_superadmin', '=', false)
        .execute();
      assert.deepEqual(enabled, [{ user_username: 'u1', on: true }]);
      const updated = await k
        .updateTable('t_users')
        .set({ user_enabled: false, user_lastonline: null })
        .where('id_user', '=', id_user)
        .returning(['user_enabled', 'user_lastonline'])
        .executeTakeFirstOrThrow();
      assert.deepEqual(updated, { user_enabled: false, user_lastonline: null });
      const site = await k
        .selectFrom('t_sites')
        .selectAll()
        .where('id_site', '=', id_site)
        .executeTakeFirstOrThrow();
      assert.equal(site.site_2fa_required, false);
      // A raw sql parameter is bound too.
      const raw = await sql<{
        n: number;
      }>`select count(*) as n from t_users where user_enabled = ${false}`.execute(k);
      assert.equal(Number(raw.rows[0]?.n), 1);
    });

    test('bigint epoch milliseconds read back as numbers', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const k = db().kysely;
      const expires = Date.UTC(2030, 0, 1, 0, 0, 0, 123);
      await k
        .insertInto('terarelay_revoked_tokens')
        .values({ token_kind: 'user', token: 'abc', expires_at: expires })
        .execute();
      const row = await k
        .selectFrom('terarelay_revoked_tokens')
        .selectAll()
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { token_kind: 'user', token: 'abc', expires_at: expires });
      // Same token, other kind: a distinct row (the key is kind + token).
      await k
        .insertInto('terarelay_revoked_tokens')
        .values({ token_kind: 'participant', token: 'abc', expires_at: 1 })
        .execute();
      await assert.rejects(
        k
          .insertInto('terarelay_revoked_tokens')
          .values({ token_kind: 'user', token: 'abc', expires_at: 2 })
          .execute(),
      );
    });

    test('foreign keys are enforced', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      await assert.rejects(
        db()
          .kysely.insertInto('t_projects')
          .values({ id_site: 9999, project_name: 'orphan' })
          .execute(),
      );
    });

    test('getSetting / setSetting upsert', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      assert.equal(await getSetting(db(), 'Nope'), null);
      await setSetting(db(), 'K', 'v1');
      assert.equal(await getSetting(db(), 'K'), 'v1');
      await setSetting(db(), 'K', 'v2');
      assert.equal(await getSetting(db(), 'K'), 'v2');
      const rows = await db()
        .kysely.selectFrom('t_server_settings')
        .selectAll()
        .where('server_settings_name', '=', 'K')
        .execute();
      assert.equal(rows.length, 1);
    });
  });
}
