/**
 * The database backends every db suite runs on: SQLite in memory, a SQLite file in a temp dir
 * (nested, so openDb must create the directories) and a private PostgreSQL database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/store/connect.js';
import { createTestDatabase } from './postgres.js';

export interface OpenedBackend {
  db: Db;
  /** The URL, when a second connection reaches the same database (not for `:memory:`). */
  url?: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: string;
  /** Opens a fresh, empty database, or returns a skip reason (service unreachable locally). */
  open(): Promise<OpenedBackend | { skip: string }>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite :memory:',
    async open() {
      const db = await openDb('sqlite::memory:');
      return { db, cleanup: () => db.close() };
    },
  },
  {
    name: 'sqlite file',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'terarelay-db-'));
      const url = `sqlite:${join(dir, 'nested', 'dir', 'terarelay.db')}`;
      const db = await openDb(url);
      return {
        db,
        url,
        async cleanup() {
          await db.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const pg = await createTestDatabase();
      if ('skip' in pg) return pg;
      const db = await openDb(pg.url);
      return {
        db,
        url: pg.url,
        async cleanup() {
          await db.close();
          await pg.drop();
        },
      };
    },
  },
];
