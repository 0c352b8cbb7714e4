import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ConfigError } from '../../src/config.js';
import { maskDbUrl, openDb } from '../../src/store/connect.js';

describe('openDb', () => {
  test('an unknown scheme is a ConfigError naming --db', async () => {
    await assert.rejects(openDb('mysql://root:pw@localhost/db'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.setting, '--db');
      assert.equal(e.value, 'mysql://root:***@localhost/db');
      assert.match(e.message, /expected sqlite:<path>, sqlite::memory: or postgres/);
      return true;
    });
  });

  test('an unreachable PostgreSQL is a ConfigError with the password masked', async () => {
    await assert.rejects(openDb('postgres://postgres:s3cret@127.0.0.1:1/nothing'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.setting, '--db');
      assert.equal(e.value, 'postgres://postgres:***@127.0.0.1:1/nothing');
      assert.match(e.message, /cannot connect: .*ECONNREFUSED/);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
  });

  test('a SQLite path that cannot be opened is a ConfigError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'terarelay-db-'));
    try {
      // The database path is an existing directory.
      await assert.rejects(openDb(`sqlite:${dir}`), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /cannot connect/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a SQLite file: parent directories created, WAL, foreign keys on, idempotent close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'terarelay-db-'));
    try {
      const path = join(dir, 'a', 'b', 'relay.db');
      const db = await openDb(`sqlite:${path}`);
      assert.equal(db.dialect, 'sqlite');
      assert.ok((await stat(path)).isFile());
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
      assert.equal(mode.rows[0]?.journal_mode, 'wal');
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db.kysely);
      assert.equal(fk.rows[0]?.foreign_keys, 1);
      await db.close();
      await db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the log option sees every query', async () => {
    const seen: string[] = [];
    const db = await openDb('sqlite::memory:', { log: (e) => seen.push(e.query.sql) });
    try {
      const before = seen.length;
      await sql`select 2`.execute(db.kysely);
      assert.deepEqual(seen.slice(before), ['select 2']);
    } finally {
      await db.close();
    }
  });

  test('maskDbUrl hides only the password', () => {
    assert.equal(maskDbUrl('postgres://u:p@h:5432/d'), 'postgres://u:***@h:5432/d');
    assert.equal(maskDbUrl('postgres://u@h/d'), 'postgres://u@h/d');
    assert.equal(maskDbUrl('sqlite:./data/x.db'), 'sqlite:./data/x.db');
  });
});
