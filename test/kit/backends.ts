/**
 * The database backends every database suite runs on: SQLite in memory, a SQLite file in a temp
 * dir (nested, so openDb must create the directories) and a private PostgreSQL database. Each
 * `open` makes a fresh, empty database; closing it also discards it.
 */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/store/connect.js';
import { createTestDatabase } from './postgres.js';

/** A fresh database on one connection; `close()` (idempotent) also discards the database. */
export interface TestDb extends Db {
  /** Where another connection reaches the same database (none for `:memory:`). */
  readonly url?: string;
}

export interface Backend {
  readonly name: string;
  /** The database outlives a connection: `openDb(url)` reaches the same data. */
  readonly durable: boolean;
  /** Opens a fresh, empty database, or returns a skip reason (service unreachable locally). */
  open(): Promise<TestDb | { skip: string }>;
}

/** `db` under `url`, whose close also runs `discard` once. */
function discarding(db: Db, url: string | undefined, discard: () => Promise<void>): TestDb {
  let closing: Promise<void> | null = null;
  return {
    kysely: db.kysely,
    dialect: db.dialect,
    url,
    prepare: (text) => db.prepare(text),
    close: () =>
      (closing ??= (async () => {
        await db.close();
        await discard();
      })()),
  };
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'SQLite in memory',
    durable: false,
    async open() {
      return discarding(await openDb('sqlite::memory:'), undefined, async () => {});
    },
  },
  {
    name: 'a SQLite file',
    durable: true,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'terarelay-db-'));
      const url = `sqlite:${join(dir, 'nested', 'dir', 'terarelay.db')}`;
      return discarding(await openDb(url), url, () => rm(dir, { recursive: true, force: true }));
    },
  },
  {
    name: 'PostgreSQL',
    durable: true,
    async open() {
      const pg = await createTestDatabase();
      if ('skip' in pg) return pg;
      return discarding(await openDb(pg.url), pg.url, () => pg.drop());
    },
  },
];

/** The backends whose database a second connection reaches (by `url`). */
export const DURABLE_BACKENDS = BACKENDS.filter((b) => b.durable);

export interface BackendSuite {
  /** Why the suite's tests are skipped (backend unreachable), or undefined. */
  readonly skip: string | undefined;
  /** The suite's database; read it inside tests and hooks only, when `skip` is undefined. */
  readonly db: TestDb;
}

/**
 * One database on `backend` for the current describe block: opened and `prepare`d before its
 * tests, discarded after them.
 */
export function backendSuite(
  backend: Backend,
  prepare: (db: TestDb) => Promise<unknown> = async () => undefined,
): BackendSuite {
  let opened: TestDb | { skip: string } = { skip: `${backend.name}: not opened yet` };
  before(async () => {
    opened = await backend.open();
    if (!('skip' in opened)) await prepare(opened);
  });
  after(async () => {
    if (!('skip' in opened)) await opened.close();
  });
  return {
    get skip() {
      return 'skip' in opened ? opened.skip : undefined;
    },
    get db() {
      if ('skip' in opened) throw new Error(opened.skip);
      return opened;
    },
  };
}
