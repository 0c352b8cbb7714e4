/**
 * Superadmins share one copy of the "everything" sets while the database returns the same rows,
 * and get fresh sets (with the new row) once it changes: memory per superadmin connection does
 * not grow with the size of the database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDb } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { seedIfEmpty } from '../../src/store/seed/seed.js';
import { AccessStore } from '../../src/access/access-store.js';

test('superadmins share their sets until the rows change', async () => {
  const db = await openDb('sqlite::memory:');
  try {
    await migrateToLatest(db);
    await seedIfEmpty(db, 'test');
    const admin = await db.kysely
      .selectFrom('t_users')
      .select('user_uuid')
      .where('user_username', '=', 'admin')
      .executeTakeFirstOrThrow();
    const store = new AccessStore(db);
    const first = await store.userAccess(admin.user_uuid);
    const second = await store.userAccess(admin.user_uuid);
    assert.ok(first?.superadmin && second);
    assert.equal(second.participantUuids, first.participantUuids, 'one shared set');
    assert.equal(second.admin, first.admin);

    const project = await db.kysely
      .selectFrom('t_projects')
      .select('id_project')
      .executeTakeFirstOrThrow();
    const uuid = randomUUID();
    await db.kysely
      .insertInto('t_participants')
      .values({
        participant_uuid: uuid,
        participant_name: 'New',
        id_project: project.id_project,
      } as never)
      .execute();
    const third = await store.userAccess(admin.user_uuid);
    assert.ok(third);
    assert.notEqual(third.participantUuids, first.participantUuids, 'fresh sets after a change');
    assert.equal(third.participantUuids.has(uuid), true);
    assert.equal(first.participantUuids.has(uuid), false, 'old sets are never mutated');
  } finally {
    await db.close();
  }
});
