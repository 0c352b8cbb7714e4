/** Shared by the access contract files: opening a seeded database and naming its rows. */
import type { Db } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { seedIfEmpty } from '../../src/store/seed/seed.js';
import type { PrincipalKind } from '../../src/principal.js';
import type { Opened } from '../kit/with-store.js';

/** Opens a fresh, empty database (test/kit/backends.ts); closing it discards it. */
export type OpenEmptyDb = () => Promise<Opened<Db>>;

/** uuid ↔ name for the seeded users (by username), participants, devices and sessions. */
export interface Names {
  uuid(kind: PrincipalKind | 'session', name: string): string;
  /** Sorted names of a set of uuids (unknown uuids show as `?<uuid>`). */
  names(kind: PrincipalKind | 'session', uuids: Iterable<string>): string[];
}

export async function loadNames(db: Db): Promise<Names> {
  const k = db.kysely;
  const [users, participants, devices, sessions] = await Promise.all([
    k.selectFrom('t_users').select(['user_uuid as uuid', 'user_username as name']).execute(),
    k
      .selectFrom('t_participants')
      .select(['participant_uuid as uuid', 'participant_name as name'])
      .execute(),
    k.selectFrom('t_devices').select(['device_uuid as uuid', 'device_name as name']).execute(),
    k.selectFrom('t_sessions').select(['session_uuid as uuid', 'session_name as name']).execute(),
  ]);
  const tables = { user: users, participant: participants, device: devices, session: sessions };
  return {
    uuid(kind, name) {
      const row = tables[kind].find((r) => r.name === name);
      if (!row) throw new Error(`no ${kind} named ${name}`);
      return row.uuid;
    },
    names(kind, uuids) {
      const byUuid = new Map(tables[kind].map((r) => [r.uuid, r.name]));
      return [...uuids].map((u) => byUuid.get(u) ?? `?${u}`).sort();
    },
  };
}

export async function openSeeded(open: OpenEmptyDb): Promise<Opened<Db>> {
  const db = await open();
  if ('skip' in db) return db;
  await migrateToLatest(db);
  await seedIfEmpty(db, 'test');
  return db;
}
