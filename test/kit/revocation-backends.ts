/**
 * The databases the revocation suites run on: a migrated SQLite file in a temp directory and
 * a migrated private PostgreSQL database. Each backend hands out fresh connections (`open`)
 * to the same persisted state, so a suite can reopen a store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Revocations } from '../../src/seams/revocations/revocations.js';
import { createTestDatabase } from './postgres.js';

export interface DbBackend {
  name: string;
  open(): Promise<Db>;
  close(): Promise<void>;
}

export async function sqliteFileBackend(): Promise<DbBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'terarelay-revocations-'));
  const url = `sqlite:${join(dir, 'relay.db')}`;
  const db = await openDb(url);
  await migrateToLatest(db);
  await db.close();
  return {
    name: 'SQLite file',
    open: () => openDb(url),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function postgresBackend(): Promise<DbBackend | { skip: string }> {
  const created = await createTestDatabase();
  if ('skip' in created) return created;
  const db = await openDb(created.url);
  await migrateToLatest(db);
  await db.close();
  return { name: 'PostgreSQL', open: () => openDb(created.url), close: () => created.drop() };
}

/** `store`, whose close() also runs `after` (in order) once the store is closed. */
export function closing(
  store: Revocations,
  ...after: Array<() => Promise<void> | void>
): Revocations {
  let closed: Promise<void> | null = null;
  return {
    revoke: (kind, token, expiresAtMs) => store.revoke(kind, token, expiresAtMs),
    isRevoked: (kind, token) => store.isRevoked(kind, token),
    close: () =>
      (closed ??= (async () => {
        await store.close();
        for (const step of after) await step();
      })()),
  };
}
