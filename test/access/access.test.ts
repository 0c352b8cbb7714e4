/**
 * The access contract on every database backend: SQLite in memory, a SQLite file in a temp
 * directory, and PostgreSQL (one database per opened Db, dropped on close).
 */
import { after, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../../src/store/connect.js';
import { createTestDatabase } from '../kit/postgres.js';
import { accessContract } from '../contracts/access.contract.js';

describe('access on sqlite::memory:', () => {
  accessContract(() => openDb('sqlite::memory:'));
});

describe('access on a sqlite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-access-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  accessContract(() => openDb(`sqlite:${join(dir, `${randomBytes(6).toString('hex')}.db`)}`));
});

describe('access on PostgreSQL', () => {
  accessContract(async () => {
    const created = await createTestDatabase();
    if ('skip' in created) return created;
    const db = await openDb(created.url);
    let closing: Promise<void> | null = null;
    const closeAndDrop = async (): Promise<void> => {
      await db.close();
      await created.drop();
    };
    return {
      kysely: db.kysely,
      dialect: db.dialect,
      close: () => (closing ??= closeAndDrop()),
    } satisfies Db;
  });
});
